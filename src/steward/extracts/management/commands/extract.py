"""`steward extract build AGREEMENT_ID [--as EMAIL] [--formats csv,dta]` and
`steward extract daily [--date YYYY-MM-DD]`: build an extract with a progress bar; the daily
job destroys ended agreements' copies and queues the refreshes their schedules make due."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.progress import Progress

from steward.accounts.models import User
from steward.agreements.models import Agreement
from steward.core.jobs import job_create, job_run, job_run_inline
from steward.core.models import Job
from steward.extracts.job_kinds import DAILY_JOB
from steward.extracts.services import DEFAULT_FORMATS, extract_build


class Command(BaseCommand):
    help = (
        "Build a de-identified extract from an agreement; or, daily (after `agreements daily`), "
        "destroy the copies of ended agreements and queue the refreshes that are due."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["build", "daily"])
        parser.add_argument("agreement", nargs="?", type=int, help="the agreement's id")
        parser.add_argument("--as", dest="actor", help="who builds (default: the liaison)")
        parser.add_argument("--formats", default=",".join(DEFAULT_FORMATS))
        parser.add_argument("--date", help="daily: act as of the start of YYYY-MM-DD")

    def handle(self, *args, **options) -> None:
        if options["action"] == "daily":
            self._daily(options["date"])
            return
        agreement = (
            Agreement.objects.select_related("project").filter(pk=options["agreement"] or 0).first()
        )
        if agreement is None:
            raise CommandError(f"no agreement with id {options['agreement']}")
        actor = agreement.project.liaison
        if options["actor"]:
            actor = User.objects.filter(email__iexact=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"no active person with the email address {options['actor']}")
        formats = [f.strip() for f in options["formats"].split(",") if f.strip()]
        try:
            extract = extract_build(actor=actor, agreement=agreement, formats=formats)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        with Progress() as bar:
            task = bar.add_task(f"Building {extract.reference}", total=None)

            def show(job: Job) -> None:
                bar.update(task, completed=job.done, total=job.total or None)

            job = job_run_inline(extract.job, show)
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"the build failed: {job.error}")
        extract.refresh_from_db()
        self.stdout.write(
            f"{extract.reference}: {extract.get_status_display()}; {extract.files.count()} "
            f"file(s), {extract.rows:,} rows; largest share in small classes "
            f"{extract.risk_share:.1%}."
        )

    def _daily(self, day: str | None) -> None:
        params = {}
        if day:
            try:
                moment = datetime.combine(date.fromisoformat(day), time(0, 20))
            except ValueError:
                raise CommandError(f"--date {day!r}: expected YYYY-MM-DD") from None
            params["at"] = timezone.make_aware(moment).isoformat()
        job = job_run(job_create(actor=None, kind=DAILY_JOB, params=params))
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"the extracts' daily job failed: {job.error}")
        self.stdout.write(
            f"Destroyed: {len(job.result['destroyed'])} extract(s). Refreshes queued: "
            f"{len(job.result['refreshes'])} (the worker builds them)."
        )
