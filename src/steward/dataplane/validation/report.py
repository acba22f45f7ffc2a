"""What validation found: counts and row numbers per rule, never the values themselves."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

Severity = Literal["blocking", "warning"]
BLOCKING: Severity = "blocking"
WARNING: Severity = "warning"
MAX_ROWS_LISTED = 100

# Rules that look at the whole file count the file: checked 1, failing 0 or 1.
FILE_RULES = frozenset(
    {
        "file_unreadable",
        "malformed_rows",
        "missing_column",
        "unknown_column",
        "duplicate_column",
        "timeliness",
    }
)


@dataclass(frozen=True)
class RuleResult:
    """One rule applied to one column (or to the file): how many rows it checked and failed."""

    rule: str
    column: str | None
    severity: Severity
    checked: int
    failing: int
    rows: list[int]  # first 100 failing data rows, 1-based, header not counted
    message: str

    @property
    def blocks(self) -> bool:
        """Whether this result alone refuses the file."""
        return self.severity == BLOCKING and self.failing > 0


@dataclass(frozen=True)
class SkippedRule:
    """A rule that could not run, and why (for example, no reference values were supplied)."""

    rule: str
    column: str | None
    reason: str


@dataclass(frozen=True)
class ColumnStats:
    """Per catalog element: whether the file has it, how many cells are filled, how many bad."""

    column: str
    required: bool
    present: bool
    non_empty: int
    invalid: int


@dataclass
class ValidationReport:
    """The verdict on one incoming file against one dataset of the catalog."""

    agency: str
    dataset: str
    year: int
    file_name: str
    file_sha256: str
    rows: int
    received: str | None = None
    due: str | None = None
    results: list[RuleResult] = field(default_factory=list)
    skipped: list[SkippedRule] = field(default_factory=list)
    columns: list[ColumnStats] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """True when no blocking rule failed: the file may enter the warehouse."""
        return not any(r.blocks for r in self.results)

    @property
    def problems(self) -> list[RuleResult]:
        """Results with failing rows, blocking first."""
        failing = [r for r in self.results if r.failing]
        return sorted(failing, key=lambda r: r.severity != BLOCKING)

    def result(self, rule: str, column: str | None = None) -> RuleResult | None:
        """The result of one rule on one column, if it ran."""
        for r in self.results:
            if r.rule == rule and (column is None or r.column == column):
                return r
        return None

    def to_dict(self) -> dict:
        """A JSON-ready dict (``accepted`` included)."""
        data = asdict(self)
        data["accepted"] = self.accepted
        return data

    def to_json(self) -> str:
        """The report as one JSON document."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def summary(self) -> str:
        """A few lines a data steward can read: verdict, then each problem."""
        verdict = "accepted" if self.accepted else "refused"
        lines = [f"{self.agency}/{self.dataset}/{self.year} ({self.rows} rows): {verdict}"]
        for r in self.problems:
            where = f" [{r.column}]" if r.column else ""
            lines.append(f"  {r.severity}: {r.rule}{where}: {r.message}")
        return "\n".join(lines)


def result_from_mask(
    rule: str,
    column: str | None,
    severity: Severity,
    failing: np.ndarray,
    checked: int,
    message: str,
) -> RuleResult:
    """Summarize a boolean mask of failing rows (row i of the table is data row i + 1)."""
    count = int(np.count_nonzero(failing))
    rows = (np.flatnonzero(failing)[:MAX_ROWS_LISTED] + 1).tolist() if count else []
    text = f"{count} of {checked} rows {message}" if count else f"all {checked} rows pass"
    return RuleResult(rule, column, severity, checked, count, rows, text)


def file_result(rule: str, column: str | None, severity: Severity, ok: bool, message: str):
    """A file-level result: checked 1, failing 0 or 1."""
    return RuleResult(rule, column, severity, 1, 0 if ok else 1, [], message)
