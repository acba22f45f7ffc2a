"""The daily job ends agreements on their end date, and access with them; reminds at 90, 30 and
7 days; escalates overdue closeouts to the privacy officer; the PI's certificate closes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from steward.agreements import services
from steward.agreements.enforcement import agreement_grants
from steward.agreements.models import Notice

pytestmark = pytest.mark.django_db


def _morning(day):
    # Six in the morning exists on every day: at two, the spring change to daylight time
    # skips an hour, and a time in that gap never equals itself read back from the database.
    return timezone.make_aware(datetime.combine(day, time(6, 0)))


def test_the_expiry_job_revokes_on_the_right_day(active, people, project):
    ends_on = active.versions.get().ends_on
    services.agreements_daily(at=_morning(ends_on))
    active.refresh_from_db()
    assert active.status == "expiring"
    assert agreement_grants(people["ana"], project, _morning(ends_on))

    report = services.agreements_daily(at=_morning(ends_on + timedelta(days=1)))
    active.refresh_from_db()
    assert report.expired == 1
    assert active.status == "expired"
    assert active.ended_at == _morning(ends_on + timedelta(days=1))
    assert active.closeout_due_on == ends_on + timedelta(days=30)
    assert not agreement_grants(people["ana"], project, _morning(ends_on + timedelta(days=1)))


def _second_sunday_of_march_after(day):
    march = day.replace(month=3, day=1)
    if march <= day:
        march = march.replace(year=day.year + 1)
    first_sunday = march + timedelta(days=(6 - march.weekday()) % 7)
    return first_sunday + timedelta(days=7)


def test_the_job_ends_an_agreement_on_the_night_the_clocks_change(active, people, project, today):
    """The nightly run at five past midnight ends access on the morning after the last day, also
    when that night loses an hour to daylight time."""
    from steward.agreements.models import AgreementVersion

    change = _second_sunday_of_march_after(today)
    AgreementVersion.objects.filter(agreement=active).update(ends_on=change - timedelta(days=1))
    night = timezone.make_aware(datetime.combine(change, time(0, 5)))
    assert services.agreements_daily(at=night - timedelta(days=1)).expired == 0
    assert services.agreements_daily(at=night).expired == 1
    active.refresh_from_db()
    assert (active.status, active.ended_at) == ("expired", night)
    assert not agreement_grants(people["ana"], project, night)


def test_access_ended_by_the_job_stays_ended_whatever_the_dates_say(active, people, project):
    from steward.agreements.models import AgreementVersion

    ends_on = active.versions.get().ends_on
    services.agreements_daily(at=_morning(ends_on + timedelta(days=1)))
    AgreementVersion.objects.filter(agreement=active).update(ends_on=ends_on + timedelta(days=400))
    assert not agreement_grants(people["ana"], project, _morning(ends_on + timedelta(days=5)))


def test_reminders_go_out_at_90_30_and_7_days_once_each(active, today):
    ends_on = active.versions.get().ends_on
    sent = []
    for day in range((ends_on - today).days + 1):
        moment = _morning(today + timedelta(days=day))
        if services.agreements_daily(at=moment).reminded:
            sent.append((ends_on - timezone.localdate(moment)).days)
        services.agreements_daily(at=moment)  # a second run the same day sends nothing
    assert sent == [90, 30, 7]
    assert sorted(Notice.objects.values_list("days_before", flat=True)) == [7, 30, 90]


def test_a_reminder_mails_the_team_and_the_liaison_without_student_data(
    active, django_capture_on_commit_callbacks
):
    ends_on = active.versions.get().ends_on
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreements_daily(at=_morning(ends_on - timedelta(days=30)))
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == [
        "ana@demo.steward.test",
        "ben@demo.steward.test",
        "maya@demo.steward.test",
    ]
    assert "ends in 30 days" in mail.outbox[0].subject
    assert "days_absent" not in mail.outbox[0].body


def test_a_missed_day_still_sends_the_nearest_reminder(active):
    ends_on = active.versions.get().ends_on
    services.agreements_daily(at=_morning(ends_on - timedelta(days=20)))
    assert list(Notice.objects.values_list("days_before", flat=True)) == [30]


def test_an_overdue_closeout_is_escalated_to_the_privacy_officer_once(
    active, people, django_capture_on_commit_callbacks
):
    from steward.agreements.selectors import closeouts

    ends_on = active.versions.get().ends_on
    services.agreements_daily(at=_morning(ends_on + timedelta(days=1)))
    assert services.agreements_daily(at=_morning(ends_on + timedelta(days=30))).escalated == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.agreements_daily(at=_morning(ends_on + timedelta(days=31)))
    assert report.escalated == 1
    assert [message.to[0] for message in mail.outbox] == ["priya@demo.steward.test"]
    assert services.agreements_daily(at=_morning(ends_on + timedelta(days=32))).escalated == 0
    rows = closeouts(at=_morning(ends_on + timedelta(days=32)))
    assert [(row.agreement.pk, row.overdue) for row in rows] == [(active.pk, True)]


def test_the_pis_certificate_closes_the_agreement(active, people):
    ends_on = active.versions.get().ends_on
    services.agreements_daily(at=_morning(ends_on + timedelta(days=1)))
    active.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.certificate_sign(
            actor=people["ben"],
            agreement=active,
            method="destroy",
            completed_on=ends_on,
            description="Deleted.",
            typed_name="Ben Carter",
            attest=True,
            at=_morning(ends_on + timedelta(days=3)),
        )
    with pytest.raises(ValidationError, match="destroyed"):
        services.certificate_sign(
            actor=people["ana"],
            agreement=active,
            method="return",
            completed_on=ends_on,
            description="Returned.",
            typed_name="Ana Ortiz",
            attest=True,
            at=_morning(ends_on + timedelta(days=3)),
        )
    certificate = services.certificate_sign(
        actor=people["ana"],
        agreement=active,
        method="destroy",
        completed_on=ends_on + timedelta(days=2),
        description="Deleted the workspace folder and its backups.",
        typed_name="Ana Ortiz",
        attest=True,
        at=_morning(ends_on + timedelta(days=3)),
    )
    active.refresh_from_db()
    assert active.status == "closed"
    assert certificate.done == "destroyed"
    assert services.agreements_daily(at=_morning(ends_on + timedelta(days=60))).escalated == 0


def test_no_certificate_before_the_agreement_ends(active, people, today):
    with pytest.raises(ValidationError, match="once the agreement has ended"):
        services.certificate_sign(
            actor=people["ana"],
            agreement=active,
            method="destroy",
            completed_on=today,
            description="Deleted.",
            typed_name="Ana Ortiz",
            attest=True,
        )


def test_the_daily_command_runs_the_job_as_of_a_given_date(active, capsys):
    from steward.core.models import Job

    ends_on = active.versions.get().ends_on
    call_command("agreements", "daily", "--date", f"{ends_on + timedelta(days=1):%Y-%m-%d}")
    active.refresh_from_db()
    assert active.status == "expired"
    assert "Expired: 1" in capsys.readouterr().out
    assert Job.objects.get(kind="agreements.daily").status == "succeeded"
