"""`steward link --from sea --to postsecondary [--mode clear|private] [--as EMAIL]
[--review-band LOW HIGH] [--backend duckdb|spark]`."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from steward.catalog.commandline import acting_steward, run_inline
from steward.dataplane.linkage import AGENCY_SOURCES, BACKENDS, LinkageConfig
from steward.linkage.models import LinkageRun
from steward.linkage.services import linkage_run_start, review_band_check


class Command(BaseCommand):
    help = (
        "Link the SEA's students with another agency's people from the latest files in the "
        "warehouse, write the encrypted crosswalk and record the run."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="from_agency", default="sea", choices=["sea"])
        parser.add_argument(
            "--to",
            dest="to_agency",
            required=True,
            choices=[a for a in AGENCY_SOURCES if a != "sea"],
        )
        parser.add_argument("--mode", default="clear", choices=LinkageRun.Mode.values)
        parser.add_argument(
            "--backend",
            default="duckdb",
            choices=BACKENDS,
            help="where Splink runs (clear mode): duckdb in this process, or spark "
            "(steward[spark]; master from STEWARD_SPARK_MASTER, default local[2])",
        )
        parser.add_argument(
            "--as", dest="email", help="the data steward who links (default: the SEA's one)"
        )
        parser.add_argument(
            "--review-band",
            nargs=2,
            type=float,
            metavar=("LOW", "HIGH"),
            help="match probabilities whose pairs go to review, 0 <= LOW < threshold <= HIGH "
            "<= 1 (default: three bits of match weight either side of the threshold)",
        )
        parser.add_argument(
            "--truth",
            type=Path,
            help="true links (a `steward synth` folder or its truth CSV) to measure F1 against",
        )

    def handle(self, *args, **options) -> None:
        band = options["review_band"]
        if band is not None:
            try:
                band = review_band_check(band, threshold=LinkageConfig().threshold)
            except ValidationError as error:
                raise CommandError(f"--review-band: {' '.join(error.messages)}") from None
        actor = acting_steward(options["email"], options["from_agency"])
        truth = options["truth"]
        try:
            job = linkage_run_start(
                actor=actor,
                from_agency=options["from_agency"],
                to_agency=options["to_agency"],
                mode=options["mode"],
                truth=str(truth.absolute()) if truth else "",
                review_band=band,
                backend=options["backend"],
            )
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        console = Console(file=self.stderr._out)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=options["verbosity"] < 1,
        ) as bar:
            label = f"Linking {options['from_agency']} with {options['to_agency']}"
            task = bar.add_task(label, total=None)
            job = run_inline(job, bar, task)
        if job.status != job.Status.SUCCEEDED:
            raise CommandError(job.error, returncode=1)
        run = LinkageRun.objects.get(pk=job.result["run"])
        counts = run.counts
        line = (
            f"Run {run.pk} ({run.mode}): {counts['linked_pairs']} links between "
            f"{counts['sea_people']} SEA students and {counts['other_people']} "
            f"{run.to_agency_code} people; {run.figures['review_queue']} pairs to review; "
            f"crosswalk {run.crosswalk_path}"
        )
        if run.metrics:
            m = run.metrics
            line += f"; precision {m['precision']:.4f}, recall {m['recall']:.4f}, F1 {m['f1']:.4f}"
        self.stdout.write(line)
