"""Command line: ``--students N --years 2015-2024 --seed S --out DIR [--format csv|parquet]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .config import FORMATS
from .generate import STAGES, generate

STAGE_LABELS = {
    "sea": "Department of Education",
    "postsecondary": "Higher Education Commission",
    "workforce": "Workforce Commission",
}


def _years(text: str) -> tuple[int, int]:
    parts = text.split("-")
    if len(parts) == 1:
        parts = [parts[0], parts[0]]
    try:
        first, last = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError("expected FIRST-LAST, for example 2015-2024") from None
    if len(parts) != 2 or first > last:
        raise argparse.ArgumentTypeError("expected FIRST-LAST with FIRST <= LAST")
    return first, last


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("expected a number of 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, also used by the ``steward synth`` command."""
    parser = argparse.ArgumentParser(
        prog="steward synth", description="Generate the synthetic state of Lakeland."
    )
    parser.add_argument("--students", type=_positive, default=150_000, help="enrolled each year")
    parser.add_argument(
        "--years", type=_years, default=(2015, 2024), help="FIRST-LAST school years"
    )
    parser.add_argument("--seed", type=_positive, default=20_151, help="same seed, same bytes")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--format", choices=FORMATS, default="csv", dest="fmt")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; returns the exit status (2 for bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    kwargs = {"students": args.students, "years": args.years, "seed": args.seed, "fmt": args.fmt}
    try:
        if args.quiet:
            summary = generate(args.out, **kwargs)
        else:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            ) as bar:
                tasks = {s: bar.add_task(STAGE_LABELS[s], total=None) for s in STAGES}

                def report(stage: str, done: int, total: int) -> None:
                    bar.update(tasks[stage], completed=done, total=total)

                summary = generate(args.out, progress=report, **kwargs)
    except ValueError as exc:
        parser.error(str(exc))
    print(
        f"Wrote {len(summary.files)} files, {summary.total_rows:,} rows, "
        f"{summary.sea_students:,} K-12 students to {summary.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
