"""Amendments: a new version with a visible difference of terms and granted data, approved by
the liaison (or the committee when it adds elements of levels 3-4), signed again, and accepted
again only when the researchers' obligations change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.access.demo import element
from steward.agreements import services
from steward.agreements.enforcement import agreement_grants

from .conftest import accept, sign_both

pytestmark = pytest.mark.django_db


def _add(agency, dataset, name, first=2019, last=2024):
    return services.GrantSpec(
        element=element(agency, dataset, name), first_year=first, last_year=last, grades="6-8"
    )


def test_an_amendments_difference_lists_the_added_and_removed_elements(active, people):
    version = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="Add the term of enrollment; drop credits.",
        add=[_add("pse", "enrollment", "term")],
        remove=[element("pse", "enrollment", "credits_earned").pk],
    )
    difference = services.version_difference(active.versions.get(number=1), version)
    assert [grant.element.name for grant in difference.grants_added] == ["term"]
    assert [grant.element.name for grant in difference.grants_removed] == ["credits_earned"]
    assert difference.terms == []
    assert version.status == "proposed" and version.number == 2


def test_an_amendment_shows_the_terms_it_changes(active, people):
    old_end = active.versions.get().ends_on
    version = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="Six more months.",
        terms={"ends_on": old_end + timedelta(days=183)},
    )
    difference = services.version_difference(active.versions.get(number=1), version)
    assert difference.terms == [
        ("Ends on", f"{old_end:%Y-%m-%d}", f"{old_end + timedelta(days=183):%Y-%m-%d}")
    ]
    assert not difference.obligations_changed


def test_adding_a_level_three_or_four_element_goes_to_the_committee(active, people):
    version = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="Disability status as a covariate.",
        add=[_add("sea", "enrollment", "disability", 2016, 2021)],
    )
    assert version.approval_by == "committee"
    with pytest.raises(PermissionDenied):
        services.amendment_approve(actor=people["maya"], version=version)
    services.amendment_approve(actor=people["grace"], version=version, note="Committee: yes.")
    version.refresh_from_db()
    assert version.status == "signature"


def test_other_amendments_go_to_the_liaison(active, people):
    version = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="The term of enrollment.",
        add=[_add("pse", "enrollment", "term")],
    )
    assert version.approval_by == "liaison"
    with pytest.raises(PermissionDenied):
        services.amendment_approve(actor=people["grace"], version=version)
    services.amendment_approve(actor=people["maya"], version=version)


def test_whoever_proposes_an_amendment_does_not_approve_it(active, people):
    from steward.accounts.services import role_grant

    role_grant(actor=None, user=people["grace"], role="liaison")
    version = services.amendment_propose(
        actor=people["grace"], agreement=active, reason="Typo.", terms={"goals": "Clearer."}
    )
    with pytest.raises(PermissionDenied):
        services.amendment_approve(actor=people["grace"], version=version)


def test_a_researcher_not_the_pi_cannot_propose(active, people):
    with pytest.raises(PermissionDenied):
        services.amendment_propose(
            actor=people["ben"], agreement=active, reason="More.", terms={"goals": "Other."}
        )


def test_an_amendment_that_changes_nothing_is_refused(active, people):
    with pytest.raises(ValidationError, match="changes nothing"):
        services.amendment_propose(actor=people["ana"], agreement=active, reason="Nothing.")


def test_the_old_version_governs_until_the_amendment_is_signed(active, people, project, now):
    version = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="The term of enrollment.",
        add=[_add("pse", "enrollment", "term")],
        at=now - timedelta(days=3),
    )
    services.amendment_approve(actor=people["maya"], version=version, at=now - timedelta(days=3))
    assert ("lhec", "enrollment", "term") not in agreement_grants(
        people["ben"], project, now
    ).elements
    sign_both(active, people, now - timedelta(days=2))
    version.refresh_from_db()
    assert version.status == "effective"
    assert active.versions.get(number=1).status == "superseded"
    # Obligations did not change: Ben's acceptance carries over, and the new element is his.
    grants = agreement_grants(people["ben"], project, now)
    assert ("lhec", "enrollment", "term") in grants.elements
    assert ("lhec", "enrollment", "term") not in agreement_grants(
        people["ben"], project, now - timedelta(days=2, hours=1)
    ).elements


def test_researchers_accept_again_when_their_obligations_change(active, people, project, now):
    version = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="Return the data rather than destroy it.",
        terms={"disposition": "return"},
        at=now - timedelta(days=3),
    )
    services.amendment_approve(actor=people["maya"], version=version, at=now - timedelta(days=3))
    signed = sign_both(active, people, now - timedelta(days=2))
    assert not agreement_grants(people["ben"], project, now)
    assert not agreement_grants(people["ana"], project, now)
    accept(signed, people["ben"], now - timedelta(days=1))
    assert agreement_grants(people["ben"], project, now)
    assert not agreement_grants(people["ana"], project, now)


def test_a_person_added_by_an_amendment_must_accept_before_any_access(active, people, project, now):
    from steward.access.demo import training_seed

    training_seed(people["lena"], completed_at=now - timedelta(days=10))
    version = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="Dr. Park joins as analyst.",
        people_add=[(people["lena"], "analyst")],
        at=now - timedelta(days=3),
    )
    services.amendment_approve(actor=people["maya"], version=version, at=now - timedelta(days=3))
    signed = sign_both(active, people, now - timedelta(days=2))
    assert agreement_grants(people["ben"], project, now)
    assert not agreement_grants(people["lena"], project, now)
    accept(signed, people["lena"], now - timedelta(days=1))
    assert agreement_grants(people["lena"], project, now)


def test_an_amendment_the_liaison_proposes_goes_to_the_committee(active, people):
    version = services.amendment_propose(
        actor=people["maya"], agreement=active, reason="Typo.", terms={"goals": "Clearer goals."}
    )
    assert version.approval_by == "committee"
    services.amendment_approve(actor=people["grace"], version=version)


def test_an_extension_of_an_expiring_agreement_makes_it_active_again(active, people, now):
    version = active.versions.get()
    services.agreements_daily(at=now + timedelta(days=30))
    active.refresh_from_db()
    assert active.status == "expiring"
    amendment = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="A year more.",
        terms={"ends_on": version.ends_on + timedelta(days=365)},
        at=now + timedelta(days=31),
    )
    services.amendment_approve(actor=people["maya"], version=amendment, at=now + timedelta(days=31))
    sign_both(active, people, now + timedelta(days=32))
    assert active.status == "active"
