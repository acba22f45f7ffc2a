"""Dr. Ortiz's agreement at each step, made through the services as people make it; time is
passed to the services, so the tests never wait."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _mail_and_uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def today(now):
    return timezone.localdate(now)


@pytest.fixture
def committee(people):
    from steward.access.demo import committee_seed
    from steward.catalog.models import Dataset
    from steward.catalog.services import catalog_load

    if not Dataset.objects.exists():
        catalog_load(actor=None)
    committee_seed()
    return people


@pytest.fixture
def trained(committee, now):
    """Ana and Ben completed the privacy orientation a month ago."""
    from steward.access.demo import training_seed

    training_seed(committee["ana"], completed_at=now - timedelta(days=30))
    training_seed(committee["ben"], completed_at=now - timedelta(days=30))
    return committee


@pytest.fixture
def project(people):
    from steward.accounts.models import Organization
    from steward.agenda.services import partnership_create, project_create

    alliance = partnership_create(
        actor=people["maya"],
        name="Lakeland Education Research Alliance",
        kind="alliance",
        summary="A standing alliance.",
        proposes_questions="The Department, from its agenda.",
        decides_publication="The researchers.",
        interprets_findings="The researchers, independently.",
        disseminates="Both.",
        independence="Full independence over methods and interpretation.",
        review_period_days=30,
        starts_on=date(2025, 7, 1),
        parties=[(Organization.objects.get(code="lde"), "State education agency")],
    )
    return project_create(
        actor=people["maya"],
        partnership=alliance,
        title="Chronic absence in middle school and the road to college",
        summary="Who still enrolls, and what sets them apart.",
        pi=people["ana"],
        liaison=people["maya"],
        starts_on=date(2026, 1, 15),
        team=[people["ben"]],
    )


@pytest.fixture
def approved(trained):
    """Dr. Ortiz's request, approved without the date of birth the Commission declined."""
    from steward.access import demo as access_demo
    from steward.access import services as access_services
    from steward.access.models import RequestedElement

    people = trained
    data_request = access_demo.complete_request(
        actor=people["ana"],
        title=access_demo.ORTIZ_TITLE,
        people=[(people["ben"], "co_investigator")],
    )
    access_demo.to_signoff(data_request, author=people["ana"])
    access_demo.sign_all(data_request, decline={"birth_date": "Used only by our own linkage."})
    access_demo.vote(data_request, ["samuel", "hannah", "omar"], "approve")
    granted = list(
        data_request.elements.filter(signoff=RequestedElement.Signoff.APPROVED)
        .exclude(element__name="english_learner")
        .values_list("pk", flat=True)
    )
    access_services.decision_record(
        actor=people["grace"],
        data_request=data_request,
        outcome="approved",
        rationale="Aligned; minimum necessary.",
        conditions="Cells of 10 or more.",
        granted_ids=granted,
    )
    data_request.refresh_from_db()
    return data_request


@pytest.fixture
def draft(approved, project, people, now, today):
    """Maya's draft: term from ten days ago to a hundred days ahead, checklist complete."""
    from steward.agreements import services
    from steward.agreements.demo import ferpa_all

    agreement = services.agreement_draft(
        actor=people["maya"],
        data_request=approved,
        project=project,
        sea_signer=people["grace"],
        organization_signer=people["ana"],
        at=now - timedelta(days=12),
    )
    services.agreement_update(
        actor=people["maya"],
        agreement=agreement,
        fields={"starts_on": today - timedelta(days=10), "ends_on": today + timedelta(days=100)},
        ferpa_checklist=ferpa_all(),
    )
    return agreement


@pytest.fixture
def out_for_signature(draft, people, now):
    from steward.agreements import services

    services.agreement_send_for_signature(
        actor=people["maya"], agreement=draft, at=now - timedelta(days=11)
    )
    draft.refresh_from_db()
    return draft


def sign_both(agreement, people, at):
    from steward.agreements import services

    version = agreement.versions.get(status="signature")
    services.agreement_sign(
        actor=people["grace"], version=version, typed_name="Grace Liu", attest=True, at=at
    )
    services.agreement_sign(
        actor=people["ana"], version=version, typed_name="Ana Ortiz", attest=True, at=at
    )
    version.refresh_from_db()
    agreement.refresh_from_db()
    return version


def accept(version, user, at):
    from steward.agreements import services

    return services.agreement_accept(
        actor=user, version=version, typed_name=user.full_name, attest=True, at=at
    )


@pytest.fixture
def signed(out_for_signature, people, now):
    """Both parties signed nine days ago; nobody has accepted yet."""
    return sign_both(out_for_signature, people, now - timedelta(days=9))


@pytest.fixture
def active(signed, people, now):
    """Signed, and accepted by Dr. Ortiz and Ben eight days ago."""
    accept(signed, people["ana"], now - timedelta(days=8))
    accept(signed, people["ben"], now - timedelta(days=8))
    signed.agreement.refresh_from_db()
    return signed.agreement
