"""`steward reminders`: mail owners their overdue milestones and actions (run daily by a timer)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from steward.agenda.reminders import REMINDER_JOB
from steward.core.jobs import job_create, job_run
from steward.core.models import Job


class Command(BaseCommand):
    help = (
        "Remind owners of overdue milestones and actions, once a day. Schedule it with cron or "
        "a systemd timer; a second run the same day sends nothing new."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="Act as if today were YYYY-MM-DD (for catching up).")

    def handle(self, *args, **options) -> None:
        params = {}
        if options["date"]:
            try:
                params["date"] = date.fromisoformat(options["date"]).isoformat()
            except ValueError:
                raise CommandError(f"--date {options['date']!r}: expected YYYY-MM-DD") from None
        job = job_create(actor=None, kind=REMINDER_JOB, params=params)
        job = job_run(job)
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"the reminders failed: {job.error}")
        result = job.result
        self.stdout.write(
            f"Overdue milestones: {result['milestones']}; overdue actions: {result['actions']}; "
            f"people reminded: {result['owners']}."
        )
