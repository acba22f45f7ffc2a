"""The order in which a folder of agency files is ingested.

A file's references are checked against what the warehouse already holds for the same year,
and its consistency rules against earlier years: so directories (districts, then schools) go
before the datasets that refer to them, and each dataset's years go oldest first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

from steward.catalog.models import Dataset, Element

_FILE = re.compile(r"^(\d{4})\.(csv|parquet)$")


@dataclass(frozen=True)
class PlannedFile:
    agency: str
    dataset: str
    year: int
    path: Path

    @property
    def label(self) -> str:
        return f"{self.agency}/{self.dataset}/{self.year}"


def ingest_plan(root: Path | str, *, agency: str = "") -> list[PlannedFile]:
    """Every catalog file under ``root/<agency>/<dataset>/<year>.csv|.parquet``, in order.

    Uses ``root/manifest.json`` when the synthetic state wrote one. Files of datasets the
    catalog does not know are refused before anything is ingested.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValidationError(f"There is no folder at {root}.")
    found = _from_manifest(root) if (root / "manifest.json").is_file() else _from_folders(root)
    if agency:
        found = [f for f in found if f.agency == agency]
    known = {(d.agency_code, d.code): d for d in Dataset.objects.filter(active=True)}
    unknown = sorted(
        {f"{f.agency}/{f.dataset}" for f in found if (f.agency, f.dataset) not in known}
    )
    if unknown:
        raise ValidationError(f"Not in the loaded catalog: {', '.join(unknown)}.")
    if not found:
        raise ValidationError(f"No agency files under {root}.")
    rank = _dependency_rank(list(known.values()))
    agencies = sorted({code for code, _ in known}, key=_agency_order)

    def order(item: PlannedFile) -> tuple:
        dataset = known[(item.agency, item.dataset)]
        key = (item.agency, item.dataset)
        return (agencies.index(item.agency), rank[key], dataset.position, item.year)

    return sorted(found, key=order)


def _agency_order(code: str) -> tuple[int, str]:
    # The SEA first: the other agencies' files do not refer to it, but a reader expects it.
    return (0 if code == "sea" else 1, code)


def _from_manifest(root: Path) -> list[PlannedFile]:
    try:
        entries = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["files"]
        # Entries without a year (the true links, for measuring linkage) are never ingested.
        return [
            PlannedFile(e["agency"], e["dataset"], int(e["year"]), root / e["path"])
            for e in entries
            if e.get("year") is not None
        ]
    except (ValueError, KeyError, TypeError):
        raise ValidationError(
            f"{root / 'manifest.json'} is not a manifest of agency files."
        ) from None


def _from_folders(root: Path) -> list[PlannedFile]:
    found = []
    for path in sorted(root.glob("*/*/*")):
        match = _FILE.match(path.name)
        if match and path.is_file():
            found.append(
                PlannedFile(path.parent.parent.name, path.parent.name, int(match[1]), path)
            )
    return found


def _dependency_rank(datasets: list[Dataset]) -> dict[tuple[str, str], int]:
    """0 for datasets that refer to nothing, else one more than the deepest they refer to."""
    refers: dict[tuple[str, str], set[tuple[str, str]]] = {
        (d.agency_code, d.code): set() for d in datasets
    }
    for agency_code, code, reference in (
        Element.objects.filter(active=True, dataset__active=True)
        .exclude(references="")
        .values_list("dataset__agency_code", "dataset__code", "references")
    ):
        target = (agency_code, reference.split(".", 1)[0])
        if target != (agency_code, code) and target in refers:
            refers[(agency_code, code)].add(target)
    rank: dict[tuple[str, str], int] = {}

    def depth(key: tuple[str, str], seen: frozenset) -> int:
        if key not in rank:
            inner = [depth(t, seen | {key}) for t in refers[key] if t not in seen]
            rank[key] = 1 + max(inner) if inner else 0
        return rank[key]

    for key in refers:
        depth(key, frozenset())
    return rank
