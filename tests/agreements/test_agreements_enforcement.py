"""`agreement_grants` gives exactly what a person may access at a moment, and nothing unless
the term, both signatures, their own acceptance and valid training all hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from steward.agreements.enforcement import agreement_grants, matching_authorized

from .conftest import accept, sign_both

pytestmark = pytest.mark.django_db


def test_grants_hold_exactly_the_decided_elements_years_and_population(active, people, project):
    grants = agreement_grants(people["ana"], project)
    assert grants.agencies == {"lde", "lhec"}
    assert grants.elements == {
        ("lde", "attendance", "days_enrolled"),
        ("lde", "attendance", "days_absent"),
        ("lde", "enrollment", "grade"),
        ("lde", "enrollment", "economically_disadvantaged"),
        ("lhec", "enrollment", "sector"),
        ("lhec", "enrollment", "credits_earned"),
    }
    assert grants.years[("lde", "attendance", "days_absent")] == range(2016, 2022)
    assert grants.population[("lde", "attendance", "days_absent")] == (
        "grades 6-8, cohorts 2016-2019, statewide"
    )
    assert grants.matching_allowed is True
    assert grants.allows("lde", "attendance", "days_absent", 2019)
    assert not grants.allows("lde", "attendance", "days_absent", 2022)


def test_what_the_committee_did_not_grant_is_not_granted(active, people, project):
    elements = {name for _, _, name in agreement_grants(people["ana"], project).elements}
    assert "birth_date" not in elements  # declined by the Commission's steward
    assert "english_learner" not in elements  # asked for, not granted by the decision


def test_grants_are_empty_before_any_signature(out_for_signature, people, project, now):
    from steward.agreements.models import AgreementVersion

    version = AgreementVersion.objects.get(agreement=out_for_signature)
    assert not agreement_grants(people["ana"], project, now)
    assert version.status == "signature"


def test_grants_are_empty_with_only_one_partys_signature(out_for_signature, people, project, now):
    from steward.agreements import services

    version = out_for_signature.versions.get()
    services.agreement_sign(
        actor=people["grace"], version=version, typed_name="Grace Liu", attest=True
    )
    assert not agreement_grants(people["ana"], project, now)


def test_grants_are_empty_for_a_researcher_who_has_not_accepted(signed, people, project, now):
    accept(signed, people["ana"], now - timedelta(days=1))
    assert agreement_grants(people["ana"], project, now)
    assert not agreement_grants(people["ben"], project, now)


def test_grants_are_empty_before_the_acceptance_was_given(active, people, project, now):
    assert not agreement_grants(people["ben"], project, now - timedelta(days=8, hours=1))
    assert agreement_grants(people["ben"], project, now - timedelta(days=7))


def test_grants_are_empty_for_a_researcher_whose_training_lapsed(active, people, project, now):
    from steward.access.models import TrainingCompletion

    TrainingCompletion.objects.filter(user=people["ben"]).update(expires_at=now - timedelta(days=1))
    assert not agreement_grants(people["ben"], project, now)
    assert agreement_grants(people["ana"], project, now)


def test_grants_follow_training_validity_through_time(active, people, project, now):
    from steward.access.models import TrainingCompletion

    TrainingCompletion.objects.filter(user=people["ben"]).update(
        expires_at=now + timedelta(days=20)
    )
    assert agreement_grants(people["ben"], project, now + timedelta(days=19))
    assert not agreement_grants(people["ben"], project, now + timedelta(days=21))


@pytest.mark.parametrize("persona", ["lena", "maya", "daniel", "grace", "alex", "priya"])
def test_grants_are_empty_for_a_person_not_named(active, people, project, now, persona):
    from steward.access.demo import training_seed

    training_seed(people[persona], completed_at=now - timedelta(days=3))
    assert not agreement_grants(people[persona], project, now)


def test_grants_are_empty_for_another_project(active, people, project, now):
    from steward.agenda.services import project_create

    other = project_create(
        actor=people["maya"],
        partnership=project.partnership,
        title="Another study",
        summary="Another.",
        pi=people["ana"],
        liaison=people["maya"],
        starts_on=project.starts_on,
    )
    assert not agreement_grants(people["ana"], other, now)


def test_grants_are_empty_after_the_end_date_even_before_the_daily_job(
    active, people, project, today
):
    from datetime import datetime

    from django.utils import timezone

    version = active.versions.get()
    last_day = timezone.make_aware(datetime.combine(version.ends_on, datetime.min.time()))
    assert agreement_grants(people["ana"], project, last_day + timedelta(hours=23))
    assert not agreement_grants(people["ana"], project, last_day + timedelta(days=1))
    assert active.status == "active"  # the term alone already ends access


def test_grants_are_empty_before_the_term_starts(signed, people, project, now):
    from steward.agreements.models import AgreementVersion

    accept(signed, people["ana"], now - timedelta(days=8))
    AgreementVersion.objects.filter(pk=signed.pk).update(starts_on=(now + timedelta(days=5)).date())
    assert not agreement_grants(people["ana"], project, now)


def test_grants_are_empty_when_the_signed_text_no_longer_matches(active, people, project, now):
    from steward.agreements.models import AgreementVersion

    AgreementVersion.objects.filter(agreement=active).update(sha256="0" * 64)
    assert not agreement_grants(people["ana"], project, now)


def test_an_agreement_authorizes_matching_the_agencies_it_grants(active, people):
    from steward.accounts.models import Organization

    lde, lhec, lwc = (Organization.objects.get(code=code) for code in ("lde", "lhec", "lwc"))
    assert matching_authorized(people["ana"], {lde.pk, lhec.pk})
    assert not matching_authorized(people["ana"], {lde.pk, lwc.pk})
    assert not matching_authorized(people["lena"], {lde.pk, lhec.pk})
    assert people["ana"].has_perm("linkage.start_run_between", (lde, lhec))
    assert not people["lena"].has_perm("linkage.start_run_between", (lde, lhec))


def test_no_matching_without_the_agreements_authorization(out_for_signature, people, project, now):
    from steward.accounts.models import Organization
    from steward.agreements.models import AgreementVersion

    AgreementVersion.objects.filter(agreement=out_for_signature).update(matching_authorized=False)
    version = sign_both(out_for_signature, people, now - timedelta(days=2))
    accept(version, people["ana"], now - timedelta(days=1))
    pair = {Organization.objects.get(code=code).pk for code in ("lde", "lhec")}
    assert agreement_grants(people["ana"], project, now)
    assert not agreement_grants(people["ana"], project, now).matching_allowed
    assert not matching_authorized(people["ana"], pair)
