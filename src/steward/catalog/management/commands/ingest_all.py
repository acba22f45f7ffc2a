"""`steward ingest-all DIR`: ingest a whole folder of agency files (such as `steward synth`'s),
directories before the datasets that refer to them, each dataset's years oldest first."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from steward.accounts.models import User
from steward.catalog.commandline import (
    RECEIVED_HELP,
    acting_steward,
    check_received,
    received_date,
    run_inline,
)
from steward.catalog.models import Dataset
from steward.catalog.plan import PlannedFile, ingest_plan
from steward.catalog.selectors import dataset_find
from steward.catalog.services import INGEST_JOB
from steward.core.jobs import job_create


class Command(BaseCommand):
    help = (
        "Ingest every agency file under DIR/<agency>/<dataset>/<year>.csv|.parquet in a safe "
        "order. Stops at the first refused file and exits 1 with its problems."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--agency", default="", help="only this agency's files")
        parser.add_argument(
            "--as", dest="email", help="the data steward submitting (default: each agency's one)"
        )
        parser.add_argument("--received", default="today", type=check_received, help=RECEIVED_HELP)

    def handle(self, *args, **options) -> None:
        try:
            plan = ingest_plan(options["folder"].absolute(), agency=options["agency"])
            datasets = {(f.agency, f.dataset): dataset_find(f.agency, f.dataset) for f in plan}
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        actors = self._actors(plan, datasets, options["email"])
        console = Console(file=self.stderr._out)
        done: list[str] = []
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=options["verbosity"] < 1,
        ) as bar:
            overall = bar.add_task("Agency files", total=len(plan))
            current = bar.add_task("", total=None)
            for item in plan:
                bar.update(current, description=f"  {item.label}", completed=0, total=None)
                dataset = datasets[(item.agency, item.dataset)]
                job = self._ingest(item, dataset, actors[item.agency], options["received"])
                job = run_inline(job, bar, current)
                if job.status != job.Status.SUCCEEDED:
                    bar.stop()
                    raise CommandError(
                        f"stopped after {len(done)} of {len(plan)} files:\n{job.error}",
                        returncode=1,
                    )
                done.append(item.label)
                bar.advance(overall)
            bar.update(current, visible=False)
        self.stdout.write(f"Ingested {len(done)} files from {options['folder']}")

    def _actors(self, plan: list[PlannedFile], datasets: dict, email: str | None) -> dict:
        actors: dict[str, User] = {}
        for item in plan:
            if item.agency in actors:
                continue
            actor = acting_steward(email, item.agency)
            dataset: Dataset = datasets[(item.agency, item.dataset)]
            if not actor.has_perm("catalog.ingest_dataset", dataset):
                raise CommandError(
                    f"{actor.full_name or actor.email} is not a data steward of "
                    f"{dataset.agency.name}; use --agency to ingest only their agency's files"
                )
            actors[item.agency] = actor
        return actors

    def _ingest(self, item: PlannedFile, dataset: Dataset, actor: User, received: str):
        params = {
            "agency": item.agency,
            "dataset": item.dataset,
            "year": item.year,
            "received": received_date(received, dataset, item.year).isoformat(),
            "path": str(item.path),
            "file_name": item.path.name,
        }
        return job_create(actor=actor, kind=INGEST_JOB, params=params)
