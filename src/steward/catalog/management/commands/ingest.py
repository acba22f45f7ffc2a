"""`steward ingest --agency A --dataset D --year Y [--as EMAIL] FILE`: check and store one file."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from steward.catalog.commandline import (
    RECEIVED_HELP,
    acting_steward,
    check_received,
    received_date,
    run_inline,
)
from steward.catalog.selectors import dataset_find
from steward.catalog.services import INGEST_JOB
from steward.core.jobs import job_create


class Command(BaseCommand):
    help = (
        "Check one agency file against the catalog and, if nothing blocks, store it encrypted "
        "as the next version. Exits 1 with the problems when the file is refused."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="catalog agency code, e.g. sea")
        parser.add_argument("--dataset", required=True, help="dataset code, e.g. enrollment")
        parser.add_argument("--year", required=True, type=int, help="e.g. 2020 for 2020-21")
        parser.add_argument(
            "--as", dest="email", help="the data steward submitting (default: the agency's one)"
        )
        parser.add_argument("--received", default="today", type=check_received, help=RECEIVED_HELP)

    def handle(self, *args, **options) -> None:
        path: Path = options["file"].absolute()
        if not path.is_file():
            raise CommandError(f"there is no file at {path}")
        try:
            dataset = dataset_find(options["agency"], options["dataset"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        actor = acting_steward(options["email"], dataset.agency_code)
        if not actor.has_perm("catalog.ingest_dataset", dataset):
            raise CommandError(str(_refusal(actor, dataset)))
        year = options["year"]
        params = {
            "agency": dataset.agency_code,
            "dataset": dataset.code,
            "year": year,
            "received": received_date(options["received"], dataset, year).isoformat(),
            "path": str(path),
            "file_name": path.name,
        }
        job = job_create(actor=actor, kind=INGEST_JOB, params=params)
        console = Console(file=self.stderr._out)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=options["verbosity"] < 1,
        ) as bar:
            task = bar.add_task(f"{dataset}/{year}", total=None)
            job = run_inline(job, bar, task)
        if job.status != job.Status.SUCCEEDED:
            raise CommandError(job.error, returncode=1)
        result = job.result
        self.stdout.write(
            f"{result['dataset']}: accepted as version {result['version']} "
            f"({result['rows']} rows, {result['warnings']} warnings)"
        )


def _refusal(actor, dataset) -> PermissionDenied:
    return PermissionDenied(
        f"{actor.full_name or actor.email} is not a data steward of {dataset.agency.name}; "
        "only its own data stewards may submit its files"
    )
