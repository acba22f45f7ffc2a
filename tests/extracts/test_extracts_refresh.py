"""Scheduled refreshes: the daily job builds a new version when the agreement's schedule makes
one due, with the same pseudonyms, audited; never for an agreement that ended."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from steward.core.jobs import job_create, job_run
from steward.core.models import AuditEntry
from steward.dataplane.extract import read_extract_table
from steward.extracts.job_kinds import DAILY_JOB
from steward.extracts.models import Extract
from steward.extracts.schedule import Interval, refresh_interval
from steward.extracts.services import extracts_refresh, refresh_due_on

from .conftest import build


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("Quarterly, after each October and March count.", Interval(months=3)),
        ("every 6 months", Interval(months=6)),
        ("Every two weeks during the school year", Interval(days=14)),
        ("Semi-annually", Interval(months=6)),
        ("Annually, in November", Interval(months=12)),
        ("monthly", Interval(months=1)),
        ("every year", Interval(months=12)),
        ("", None),
        ("none", None),
        ("When the agency decides", None),
    ],
)
def test_the_schedule_is_read_from_the_agreements_words(text, interval):
    assert refresh_interval(text) == interval


def test_a_month_after_the_31st_is_the_last_day_of_a_short_month():
    assert Interval(months=1).after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Interval(months=12).after(date(2028, 2, 29)) == date(2029, 2, 28)


@pytest.fixture
def monthly(agreement):
    agreement.versions.filter(status="effective").update(refresh_schedule="Monthly")
    return agreement


def _ids(extract):
    from steward.catalog.services import warehouse

    path = Path(settings.DATA_DIR) / extract.files.get(name="sea_attendance").path
    return sorted(read_extract_table(warehouse(), path).column("person_id").to_pylist())


@pytest.mark.django_db
def test_a_due_refresh_is_built_with_the_same_pseudonyms_and_audited(
    monthly, sea_data, people, now
):
    first = build(monthly, people)
    assert extracts_refresh(at=now + timedelta(days=20)) == []
    due = refresh_due_on(monthly)
    assert due == Interval(months=1).after(timezone.localdate(first.created_at))

    at = now + timedelta(days=32)
    [second] = extracts_refresh(at=at)
    assert (second.number, second.formats) == (2, first.formats)
    assert second.created_by == people["maya"] and second.status == Extract.Status.BUILDING
    queued = AuditEntry.objects.get(action="extracts.refresh_queued")
    assert queued.object_id == str(second.pk) and queued.summary["previous"] == first.pk
    assert extracts_refresh(at=at) == []  # a second run the same day changes nothing

    job = job_run(second.job)
    assert job.status == "succeeded", job.error
    second.refresh_from_db()
    assert second.status == Extract.Status.READY
    assert _ids(second) == _ids(first)
    assert AuditEntry.objects.filter(action="extracts.built", object_id=str(second.pk)).exists()


@pytest.mark.django_db
def test_the_daily_job_queues_the_refresh_and_the_command_reports_it(
    monthly, sea_data, people, now, capsys
):
    build(monthly, people)
    later = now + timedelta(days=40)
    job = job_run(job_create(actor=None, kind=DAILY_JOB, params={"at": later.isoformat()}))
    assert job.status == "succeeded", job.error
    assert len(job.result["refreshes"]) == 1 and job.result["destroyed"] == []
    call_command("extract", "daily", "--date", f"{later + timedelta(days=40):%Y-%m-%d}")
    assert "Refreshes queued: 0" in capsys.readouterr().out  # version 2 is still building


@pytest.mark.django_db
def test_an_agreement_without_a_schedule_is_not_refreshed(agreement, sea_data, people, now):
    build(agreement, people)
    assert refresh_due_on(agreement) is None
    assert extracts_refresh(at=now + timedelta(days=90)) == []


@pytest.mark.django_db
def test_an_agreement_that_ended_is_not_refreshed(monthly, sea_data, people, now):
    from steward.agreements.services import agreements_daily

    build(monthly, people)
    version = monthly.versions.get(status="effective")
    after_end = now + timedelta(days=(version.ends_on - timezone.localdate(now)).days + 1)
    # Past the end date, even before the agreements' daily job has ended it:
    assert extracts_refresh(at=after_end) == []
    agreements_daily(at=after_end)
    monthly.refresh_from_db()
    assert monthly.status == "expired"
    assert extracts_refresh(at=after_end) == []
    assert Extract.objects.count() == 1


@pytest.mark.django_db
def test_a_version_waiting_for_the_privacy_officer_holds_the_next_refresh(
    monthly, sea_data, people, now, settings
):
    settings.EXTRACT_RISK_MAX_SHARE = 0.0
    settings.EXTRACT_RISK_K = 10**6
    first = build(monthly, people)
    assert first.status == Extract.Status.RISK_REVIEW
    assert extracts_refresh(at=now + timedelta(days=40)) == []
