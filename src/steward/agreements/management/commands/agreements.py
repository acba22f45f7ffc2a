"""`steward agreements daily [--date YYYY-MM-DD]`: run the agreements' daily job (for cron)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from steward.agreements.job_kinds import DAILY_JOB
from steward.core.jobs import job_create, job_run
from steward.core.models import Job


class Command(BaseCommand):
    help = (
        "Agreements' daily work: end agreements past their end date (and access with them), "
        "send the 90-, 30- and 7-day reminders, and escalate overdue closeouts to the privacy "
        "officer. Schedule it once a day; a second run the same day changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["daily"])
        parser.add_argument("--date", help="Act as of the start of YYYY-MM-DD (to catch up).")

    def handle(self, *args, **options) -> None:
        params = {}
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date {options['date']!r}: expected YYYY-MM-DD") from None
            moment = timezone.make_aware(datetime.combine(day, time(0, 5)))
            params["at"] = moment.isoformat()
        job = job_run(job_create(actor=None, kind=DAILY_JOB, params=params))
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"the agreements' daily job failed: {job.error}")
        result = job.result
        self.stdout.write(
            f"Expired: {result['expired']}; now expiring: {result['expiring']}; reminders "
            f"sent: {result['reminded']}; overdue closeouts escalated: {result['escalated']}."
        )
