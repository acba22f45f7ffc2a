"""`steward extract build AGREEMENT_ID [--as EMAIL] [--formats csv,dta]` and
`steward extract daily`: build an extract with a progress bar; destroy ended agreements' copies."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from steward.accounts.models import User
from steward.agreements.models import Agreement
from steward.core.jobs import job_run_inline
from steward.core.models import Job
from steward.extracts.services import DEFAULT_FORMATS, extract_build, extracts_daily


class Command(BaseCommand):
    help = "Build a de-identified extract from an agreement, or destroy ended agreements' copies."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["build", "daily"])
        parser.add_argument("agreement", nargs="?", type=int, help="the agreement's id")
        parser.add_argument("--as", dest="actor", help="who builds (default: the liaison)")
        parser.add_argument("--formats", default=",".join(DEFAULT_FORMATS))

    def handle(self, *args, **options) -> None:
        if options["action"] == "daily":
            destroyed = extracts_daily()
            self.stdout.write(f"Destroyed: {len(destroyed)} extract(s).")
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
