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
from steward.core.models import AuditEntry

from .conftest import accept, sign_both

pytestmark = pytest.mark.django_db


def _add(agency, dataset, name, first=2019, last=2024):
    return services.GrantSpec(
        element=element(agency, dataset, name), first_year=first, last_year=last, grades="6-8"
    )


def _votes(version, people, approve=(), deny=()):
    for key in approve:
        services.amendment_vote(
            actor=people[key], version=version, vote="approve", rationale="Needed; well argued."
        )
    for key in deny:
        services.amendment_vote(
            actor=people[key], version=version, vote="deny", rationale="Not minimum necessary."
        )


def _committee_amendment(active, people):
    return services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="Disability status as a covariate.",
        add=[_add("sea", "enrollment", "disability", 2016, 2021)],
    )


def _messages(error) -> str:
    return " ".join(error.value.messages)


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
    _votes(version, people, approve=["samuel", "hannah", "omar"])
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
    _votes(version, people, approve=["samuel", "omar"], deny=["hannah"])
    services.amendment_approve(actor=people["grace"], version=version, note="Two of three.")
    version.refresh_from_db()
    assert version.status == "signature"


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


# --- the committee's votes on an amendment ---------------------------------------------------


def test_the_chair_alone_cannot_approve_a_committee_amendment(active, people):
    version = _committee_amendment(active, people)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.amendment_approve(actor=people["grace"], version=version, note="I approve.")
    assert "Quorum not met: 0 of 3 votes; 3 more votes needed for quorum." in _messages(error)
    assert "“Approve” has 0 votes; the rules need 2" in _messages(error)
    version.refresh_from_db()
    assert version.status == "proposed" and version.approved_by is None
    assert AuditEntry.objects.count() == before


def test_two_votes_are_not_a_quorum_and_three_send_the_amendment_to_signature(active, people):
    version = _committee_amendment(active, people)
    before = AuditEntry.objects.count()
    _votes(version, people, approve=["samuel", "hannah"])
    assert AuditEntry.objects.count() == before + 2
    assert AuditEntry.objects.filter(action="agreement.amendment_voted").count() == 2
    with pytest.raises(ValidationError, match="1 more vote needed for quorum"):
        services.amendment_approve(actor=people["grace"], version=version, note="Yes.")
    assert AuditEntry.objects.count() == before + 2
    _votes(version, people, approve=["omar"])
    with pytest.raises(ValidationError, match="rationale"):
        services.amendment_approve(actor=people["grace"], version=version)
    services.amendment_approve(actor=people["grace"], version=version, note="Three approve.")
    version.refresh_from_db()
    assert version.status == "signature" and version.approved_by == people["grace"]
    assert AuditEntry.objects.count() == before + 4
    decision = AuditEntry.objects.get(action="agreement.amendment_approved")
    assert decision.summary["votes"] == {"approve": 3}


def test_an_approval_needs_a_member_from_outside_the_research_office(active, people):
    from steward.access.models import CommitteeMember

    CommitteeMember.objects.filter(user__in=[people["samuel"], people["hannah"]]).update(
        in_research_office=True
    )
    version = _committee_amendment(active, people)
    _votes(version, people, approve=["samuel", "hannah"], deny=["omar"])
    with pytest.raises(ValidationError, match="outside the research office"):
        services.amendment_approve(actor=people["grace"], version=version, note="Yes.")
    version.refresh_from_db()
    assert version.status == "proposed"


def test_a_recused_member_or_one_on_the_team_cannot_vote(active, people):
    from steward.access.models import ConflictDeclaration
    from steward.accounts.services import role_grant

    version = _committee_amendment(active, people)
    ConflictDeclaration.objects.filter(request=active.data_request, member=people["samuel"]).update(
        has_conflict=True, description="Co-authored with Dr. Ortiz."
    )
    role_grant(actor=None, user=people["ben"], role="committee")
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        services.amendment_vote(
            actor=people["samuel"], version=version, vote="approve", rationale="Fine."
        )
    with pytest.raises(PermissionDenied, match="project team"):
        services.amendment_vote(actor=people["ben"], version=version, vote="deny", rationale="No")
    with pytest.raises(PermissionDenied):
        services.amendment_vote(actor=people["ana"], version=version, vote="deny", rationale="No")
    with pytest.raises(PermissionDenied):  # the liaison is not a committee member
        services.amendment_vote(
            actor=people["maya"], version=version, vote="approve", rationale="Ok"
        )
    assert not version.votes.exists()
    assert AuditEntry.objects.count() == before


def test_a_member_votes_once_with_a_rationale(active, people):
    version = _committee_amendment(active, people)
    with pytest.raises(ValidationError, match="rationale"):
        services.amendment_vote(actor=people["omar"], version=version, vote="approve", rationale="")
    with pytest.raises(ValidationError, match="approve or deny"):
        services.amendment_vote(
            actor=people["omar"], version=version, vote="revise", rationale="Later."
        )
    _votes(version, people, approve=["omar"])
    with pytest.raises(ValidationError, match="already voted"):
        _votes(version, people, deny=["omar"])
    assert version.votes.count() == 1


def test_the_committee_does_not_vote_on_an_amendment_the_liaison_approves(active, people):
    version = services.amendment_propose(
        actor=people["ana"],
        agreement=active,
        reason="The term of enrollment.",
        add=[_add("pse", "enrollment", "term")],
    )
    with pytest.raises(ValidationError, match="liaison approves"):
        _votes(version, people, approve=["omar"])


def test_a_deny_majority_rejects_the_amendment_and_never_approves_it(active, people):
    version = _committee_amendment(active, people)
    _votes(version, people, approve=["omar"], deny=["samuel", "hannah"])
    with pytest.raises(ValidationError, match="“Approve” has 1 votes"):
        services.amendment_approve(actor=people["grace"], version=version, note="Yes.")
    services.amendment_approve(
        actor=people["grace"], version=version, approve=False, note="Not minimum necessary."
    )
    version.refresh_from_db()
    assert version.status == "rejected"


def test_a_split_committee_cannot_reject_either(active, people):
    version = _committee_amendment(active, people)
    _votes(version, people, approve=["omar", "hannah"], deny=["samuel"])
    with pytest.raises(ValidationError, match="“Deny” has 1 votes"):
        services.amendment_approve(
            actor=people["grace"], version=version, approve=False, note="No."
        )


def test_members_vote_on_the_page_and_the_chair_sees_the_tally(active, people, client_for):
    from django.urls import reverse

    version = _committee_amendment(active, people)
    url = reverse("agreements:vote", kwargs={"pk": active.pk, "number": version.number})
    detail = client_for("omar").get(reverse("agreements:detail", kwargs={"pk": active.pk}))
    assert detail.status_code == 200
    assert "Vote on amendment 2" in detail.content.decode()
    assert (
        "Vote on the amendment"
        in client_for("omar").get(reverse("agreements:list")).content.decode()
    )
    page = client_for("omar").get(url)
    assert page.status_code == 200 and 'data-testid="vote-form"' in page.content.decode()
    refused = client_for("omar").post(url, {"vote": "approve", "rationale": ""})
    assert refused.status_code == 400 and not version.votes.exists()
    for key in ("omar", "samuel"):
        response = client_for(key).post(url, {"vote": "approve", "rationale": "Needed."})
        assert response.status_code == 302
    assert "You voted “Approve”" in client_for("omar").get(url).content.decode()
    approve = reverse("agreements:approve", kwargs={"pk": active.pk, "number": version.number})
    chair = client_for("grace")
    assert "Samuel Brooks" in chair.get(approve).content.decode()
    refused = chair.post(approve, {"decision": "approve", "note": "Yes."})
    assert refused.status_code == 400
    assert "1 more vote needed for quorum" in refused.content.decode()
    client_for("hannah").post(url, {"vote": "approve", "rationale": "Fine."})
    assert chair.post(approve, {"decision": "approve", "note": "Yes."}).status_code == 302
    version.refresh_from_db()
    assert version.status == "signature"


def test_the_page_tells_a_recused_member_they_are_recused(active, people, client_for):
    from django.urls import reverse

    from steward.access.models import ConflictDeclaration

    ConflictDeclaration.objects.filter(request=active.data_request, member=people["samuel"]).update(
        has_conflict=True, description="Co-authored with Dr. Ortiz."
    )
    version = _committee_amendment(active, people)
    url = reverse("agreements:vote", kwargs={"pk": active.pk, "number": version.number})
    page = client_for("samuel").get(url)
    assert page.status_code == 200 and 'data-testid="recused"' in page.content.decode()
    refused = client_for("samuel").post(url, {"vote": "approve", "rationale": "Ok."})
    assert refused.status_code == 403 and not version.votes.exists()
