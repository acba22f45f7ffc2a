"""`steward findings ask [--date YYYY-MM-DD]`: mail districts their periodic form links (cron)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from steward.core.jobs import job_create, job_run
from steward.core.models import Job
from steward.outputs.findings_surveys import SURVEY_JOB


class Command(BaseCommand):
    help = (
        "Ask districts how they used published findings: mail each district contact whose "
        "periodic ask is due a new form link. Schedule it once a day; a second run the same "
        "day sends nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["ask"])
        parser.add_argument("--date", help="Act as if today were YYYY-MM-DD (to catch up).")

    def handle(self, *args, **options) -> None:
        params = {}
        if options["date"]:
            try:
                params["date"] = date.fromisoformat(options["date"]).isoformat()
            except ValueError:
                raise CommandError(f"--date {options['date']!r}: expected YYYY-MM-DD") from None
        job = job_run(job_create(actor=None, kind=SURVEY_JOB, params=params))
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"asking the districts failed: {job.error}")
        self.stdout.write(
            f"Districts asked: {job.result['asked']}; findings: {job.result['findings']}."
        )
