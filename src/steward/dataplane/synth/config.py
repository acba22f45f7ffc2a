"""Parameters and results of a synthetic-state run: error rates, file entries, the summary."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("csv", "parquet")
FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_STUDENTS = 20_000_000


@dataclass(frozen=True)
class ErrorRates:
    """How often the postsecondary and workforce agencies' copies of a person differ from truth.

    Each rate is the share of person records that receive that kind of error, independently.
    Nicknames apply only to first names that have one; a swapped day and month only where the
    day is 12 or less and differs from the month (otherwise the date would not change or exist).
    """

    nickname: float = 0.05
    typo: float = 0.03
    transposition: float = 0.02
    swapped_day_month: float = 0.02
    last_name_change: float = 0.03
    missing_middle_name: float = 0.05
    missing_birth_date: float = 0.01

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"error rate {f.name!r} must be a number from 0 to 1")

    def as_dict(self) -> dict[str, float]:
        """The rates by name, for the manifest."""
        return {f.name: float(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class FileEntry:
    """One written file: where it is (relative to the output folder), its checksum and rows."""

    path: str
    agency: str
    dataset: str
    year: int | None
    rows: int
    sha256: str


@dataclass(frozen=True)
class Summary:
    """What a run wrote: every file, row counts per dataset, and how many people it made."""

    out: Path
    files: tuple[FileEntry, ...]
    rows_by_dataset: dict[str, int] = field(default_factory=dict)
    sea_students: int = 0
    postsecondary_students: int = 0
    workforce_persons: int = 0

    @property
    def total_rows(self) -> int:
        """All rows written, truth files included."""
        return sum(f.rows for f in self.files)


def check_arguments(students: int, years: tuple[int, int], seed: int, fmt: str) -> None:
    """Refuse bad parameters with a message that names the argument."""
    if isinstance(students, bool) or not isinstance(students, int):
        raise ValueError("students must be a whole number")
    if not 50 <= students <= MAX_STUDENTS:
        raise ValueError(f"students must be between 50 and {MAX_STUDENTS:,}")
    if len(years) != 2 or not all(isinstance(y, int) for y in years):
        raise ValueError("years must be two whole numbers: (first, last)")
    first, last = years
    if not FIRST_YEAR <= first <= last <= LAST_YEAR:
        raise ValueError(f"years must satisfy {FIRST_YEAR} <= first <= last <= {LAST_YEAR}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError("seed must be a non-negative whole number")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
