"""The demo's data: the catalog, and a synthetic state of Lakeland ingested by its stewards."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command

from steward.catalog.models import DatasetVersion
from steward.catalog.selectors import agency_stewards
from steward.catalog.services import dataset_ingest
from steward.dataplane.synth.cli import main as synth_main

DEMO_STUDENTS = 20_000
# From 2019: the story's agreement draws grades 6-8 of the 2016-2019 cohorts (STORY.md), so its
# extract needs at least the 2019 enrollment; its college outcomes run to 2024.
DEMO_YEARS = (2019, 2024)
DEMO_SEED = 20_151


def demo_data_ensure(*, stdout: Any) -> None:
    """Load the catalog; if the warehouse is empty, generate the synthetic state and ingest it."""
    call_command("catalog", "load", stdout=stdout)
    if DatasetVersion.objects.exists() or _warehouse_has_files():
        stdout.write("The warehouse already holds data; the synthetic state is not ingested again.")
        return
    out = Path(settings.DATA_DIR) / "synth"
    if not _generated_already(out):
        first, last = DEMO_YEARS
        stdout.write(f"Generating {DEMO_STUDENTS:,} students a year, {first}-{last}, into {out}")
        synth_main(
            [
                "--students",
                str(DEMO_STUDENTS),
                "--years",
                f"{first}-{last}",
                "--seed",
                str(DEMO_SEED),
                "--out",
                str(out),
            ]
        )
    stdout.write("Ingesting the synthetic state, each agency's files as its data steward:")
    call_command("ingest_all", str(out), received="due", stdout=stdout)
    _refused_resubmission(out, DEMO_YEARS[1], stdout)


def _refused_resubmission(out: Path, year: int, stdout: Any) -> None:
    """A corrected attendance file sent with a slip (absences above the days in a year), so the
    quality pages show a refused submission and its report."""
    steward = agency_stewards("sea")[0]
    spoiled = Path(settings.DATA_DIR) / "incoming" / f"demo-attendance-{year}.csv"
    spoiled.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(out / "sea" / "attendance" / f"{year}.csv", newline="") as source:
        rows = list(csv.DictReader(source))
    for row in rows[10:13]:
        row["days_absent"] = "200"
    try:
        with open(spoiled, "w", newline="") as target:
            writer = csv.DictWriter(target, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        version = dataset_ingest(
            actor=steward,
            agency="sea",
            dataset="attendance",
            year=year,
            path=spoiled,
            received=date(year + 1, 8, 20),
            file_name=f"attendance-{year}-corrected.csv",
        )
    finally:
        spoiled.unlink(missing_ok=True)
    stdout.write(f"A resubmission of sea/attendance/{year} was {version.status}, as intended.")


def _warehouse_has_files() -> bool:
    folder = Path(settings.DATA_DIR) / "warehouse"
    return folder.is_dir() and any(folder.rglob("v*.parquet"))


def _generated_already(out: Path) -> bool:
    try:
        parameters = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["parameters"]
    except (OSError, ValueError, KeyError):
        return False
    return (
        parameters.get("students") == DEMO_STUDENTS
        and parameters.get("seed") == DEMO_SEED
        and tuple(parameters.get("years", ())) == DEMO_YEARS
    )
