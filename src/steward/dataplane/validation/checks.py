"""The validation rules, vectorized over whole columns (pyarrow.compute and NumPy, no row loop)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.dataplane.validation.catalog import Dataset, Element
from steward.dataplane.validation.reading import RawFile, mask, read_raw
from steward.dataplane.validation.report import (
    BLOCKING,
    WARNING,
    ColumnStats,
    RuleResult,
    Severity,
    SkippedRule,
    ValidationReport,
    file_result,
    result_from_mask,
)

DEFAULT_SEVERITY: dict[str, Severity] = {
    "file_unreadable": BLOCKING,
    "malformed_rows": BLOCKING,
    "missing_column": BLOCKING,
    "unknown_column": BLOCKING,
    "duplicate_column": BLOCKING,
    "type": BLOCKING,
    "required": BLOCKING,
    "codes": BLOCKING,
    "range": BLOCKING,
    "year": BLOCKING,
    "unique_key": BLOCKING,
    "references": BLOCKING,
    # Corrections of birth dates and retentions are real; a steward looks, the file still loads.
    "birth_date_stable": WARNING,
    "grade_progression": WARNING,
    "timeliness": WARNING,
}
YEAR_COLUMNS = ("school_year", "year")
GRADE_COLUMNS = ("grade_level", "grade")
# Rules that judge a cell on its own; their failures make a cell invalid (quality: validity).
VALUE_RULES = frozenset({"type", "codes", "range", "year", "references"})
ARROW_TYPES = {
    "string": pa.string(),
    "code": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}
_INTEGER = r"^[+-]?\d{1,18}$"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_TRUE = pa.array(["true", "t", "yes", "y", "1"])
_FALSE = pa.array(["false", "f", "no", "n", "0"])
_HASH_CHUNK = 1 << 20


@dataclass
class ValidationContext:
    """What validation needs beyond the file: reference values, prior years, severities.

    ``references`` maps ``"dataset.element"`` (for example ``"schools.school_id"``) to the values
    known for the same agency and year. ``prior`` holds earlier years' rows of the same dataset
    (typed, with its year column) for the consistency rules.
    """

    references: Mapping[str, Any] = field(default_factory=dict)
    prior: pa.Table | None = None
    id_column: str | None = None  # default: the dataset's first key element
    stable_columns: tuple[str, ...] = ("birth_date",)
    grade_column: str | None = None  # default: grade_level or grade, whichever the dataset has
    documented_grade_changes: Collection[str] = ()  # ids whose unusual grade change is on file
    severity: Mapping[str, Severity] = field(default_factory=dict)

    def severity_of(self, rule: str) -> Severity:
        """The severity of a rule: the override if any, else the default."""
        return self.severity.get(rule, DEFAULT_SEVERITY[rule])


@dataclass
class CheckedFile:
    """A report and, when the file was read, its typed table in catalog column order."""

    report: ValidationReport
    table: pa.Table | None


def check_file(
    path: Path | str,
    dataset: Dataset,
    year: int,
    *,
    received: date | None = None,
    context: ValidationContext | None = None,
) -> CheckedFile:
    """Apply every rule of ``dataset`` to the file of ``year`` and convert it to catalog types."""
    path = Path(path)
    context = context or ValidationContext()
    raw = read_raw(path)
    report = ValidationReport(
        agency=dataset.agency,
        dataset=dataset.code,
        year=year,
        file_name=path.name,
        file_sha256=_sha256(path),
        rows=raw.table.num_rows if raw.table is not None else 0,
    )
    report.results.extend(raw.problems)
    if received is not None:
        report.results.append(_timeliness(dataset, year, received, context, report))
    if raw.table is None:
        return CheckedFile(report, None)
    table = _Checker(raw, dataset, year, context, report).run()
    return CheckedFile(report, table)


def _timeliness(
    dataset: Dataset,
    year: int,
    received: date,
    context: ValidationContext,
    report: ValidationReport,
) -> RuleResult:
    due = dataset.due_date(year)
    report.received, report.due = received.isoformat(), due.isoformat()
    late = (received - due).days
    message = f"received {late} days after the due date" if late > 0 else "received on time"
    return file_result("timeliness", None, context.severity_of("timeliness"), late <= 0, message)


class _Checker:
    """Runs the rules of one dataset over one file's columns and fills the report."""

    def __init__(
        self,
        raw: RawFile,
        dataset: Dataset,
        year: int,
        ctx: ValidationContext,
        report: ValidationReport,
    ) -> None:
        self.raw, self.dataset, self.year, self.ctx, self.report = raw, dataset, year, ctx, report
        self.n = raw.table.num_rows
        self.typed: dict[str, pa.ChunkedArray] = {}
        self.invalid: dict[str, np.ndarray] = {}

    def add(self, result: RuleResult) -> None:
        self.report.results.append(result)

    def rule(self, rule: str, column: str | None, failing: np.ndarray, checked: int, msg: str):
        self.add(result_from_mask(rule, column, self.ctx.severity_of(rule), failing, checked, msg))
        if rule in VALUE_RULES:
            self.invalid[column] = self.invalid.get(column, False) | failing

    def skip(self, rule: str, column: str | None, reason: str) -> None:
        self.report.skipped.append(SkippedRule(rule, column, reason))

    def run(self) -> pa.Table | None:
        present = self.check_columns()
        for element in self.dataset.elements:
            if element.name in present:
                self.check_element(element, present[element.name])
        self.check_unique_key()
        self.check_consistency()
        self.report.columns = [self.stats(e, present) for e in self.dataset.elements]
        return self.typed_table(present)

    def check_columns(self) -> dict[str, pa.ChunkedArray]:
        names, known = self.raw.names, set(self.dataset.column_names)
        present: dict[str, pa.ChunkedArray] = {}
        for position, name in enumerate(names, start=1):
            if name not in known:
                # Named by position only: a header-less file would put a student's values here.
                self.add(
                    file_result(
                        "unknown_column",
                        f"#{position}",
                        self.sev("unknown_column"),
                        False,
                        f"column {position} of the file is not in the catalog",
                    )
                )
            elif name in present:
                self.add(
                    file_result(
                        "duplicate_column",
                        name,
                        self.sev("duplicate_column"),
                        False,
                        f"column {position} repeats an earlier column",
                    )
                )
            else:
                present[name] = self.raw.table.column(position - 1)
        for name in self.dataset.column_names:
            if name not in present:
                hint = "" if present else " (does the file start with a header row?)"
                self.add(
                    file_result(
                        "missing_column",
                        name,
                        self.sev("missing_column"),
                        False,
                        f"the file has no column {name}{hint}",
                    )
                )
        return present

    def sev(self, rule: str) -> Severity:
        return self.ctx.severity_of(rule)

    def check_element(self, element: Element, raw: pa.ChunkedArray) -> None:
        name = element.name
        filled = mask(pc.is_valid(raw))
        n_filled = int(np.count_nonzero(filled))
        if element.required:
            self.rule("required", name, ~filled, self.n, "are empty in a required column")
        typed, bad_type = convert(raw, element)
        self.typed[name] = typed
        self.rule("type", name, bad_type, n_filled, f"are not a valid {element.type}")
        valid = mask(pc.is_valid(typed))
        n_valid = int(np.count_nonzero(valid))
        if element.codes is not None:
            allowed = pa.array(list(element.codes), pa.string())
            outside = valid & ~mask(pc.is_in(pc.cast(typed, pa.string()), value_set=allowed))
            self.rule("codes", name, outside, n_valid, "hold a code that is not allowed")
        if element.type in ("integer", "number") and (element.min, element.max) != (None, None):
            self.rule(
                "range",
                name,
                self.out_of_range(typed, element),
                n_valid,
                f"are outside {_range_text(element)}",
            )
        if name in YEAR_COLUMNS and element.type in ("integer", "number"):
            wrong = valid & ~mask(pc.equal(typed, self.year))
            self.rule("year", name, wrong, n_valid, f"do not name the year {self.year}")
        if element.references is not None:
            self.check_reference(element, typed, valid, n_valid)

    def out_of_range(self, typed: pa.ChunkedArray, element: Element) -> np.ndarray:
        failing = np.zeros(self.n, dtype=bool)
        if element.min is not None:
            failing |= mask(pc.less(typed, element.min))
        if element.max is not None:
            failing |= mask(pc.greater(typed, element.max))
        return failing

    def check_reference(self, element: Element, typed, valid: np.ndarray, n_valid: int) -> None:
        ref = element.references
        known = self.ctx.references.get(ref.name)
        if known is None:
            self.skip(
                "references", element.name, f"no values of {ref.name} for {self.year} were supplied"
            )
            return
        known = _as_array(known, typed.type)
        unknown = valid & ~mask(pc.is_in(typed, value_set=known))
        self.rule(
            "references",
            element.name,
            unknown,
            n_valid,
            f"are not found in {ref.name} of {self.year}",
        )

    def check_unique_key(self) -> None:
        key = self.dataset.key
        if not all(k in self.typed for k in key):
            self.skip("unique_key", ",".join(key), "a key column is missing")
            return
        complete = np.ones(self.n, dtype=bool)
        for k in key:
            complete &= mask(pc.is_valid(self.typed[k]))
        checked = int(np.count_nonzero(complete))
        if len(key) == 1 and _all_distinct(self.typed[key[0]], checked):
            self.rule(
                "unique_key",
                key[0],
                np.zeros(self.n, dtype=bool),
                checked,
                "share their key with another row",
            )
            return
        groups = _group_codes([self.typed[k] for k in key])
        counts = np.bincount(groups[complete], minlength=int(groups.max(initial=0)) + 1)
        duplicated = complete & (counts[groups] > 1)
        self.rule(
            "unique_key",
            ",".join(key),
            duplicated,
            int(np.count_nonzero(complete)),
            "share their key with another row",
        )

    def check_consistency(self) -> None:
        id_col = self.ctx.id_column or self.dataset.key[0]
        stable = [c for c in self.ctx.stable_columns if c in self.typed]
        grade = grade_column(self.ctx, self.dataset)
        grade = grade if grade in self.typed else None
        if not stable and grade is None:
            return
        rules = [("birth_date_stable", c) for c in stable] + [("grade_progression", grade)]
        rules = [(r, c) for r, c in rules if c is not None]
        reason = self.prior_problem(id_col, [c for _, c in rules])
        if reason:
            for rule, column in rules:
                self.skip(rule, column, reason)
            return
        prior = _latest_prior(self.ctx.prior, id_col, _year_column(self.ctx.prior), self.year)
        ids = self.typed[id_col]
        index = pc.index_in(ids, value_set=prior.column(id_col))
        for column in stable:
            self.check_stable(column, prior.column(column).take(index))
        if grade is not None:
            self.check_grades(grade, prior, index, ids)

    def prior_problem(self, id_col: str, columns: list[str]) -> str | None:
        prior = self.ctx.prior
        if id_col not in self.typed:
            return f"the id column {id_col} is missing"
        if prior is None:
            return "no prior years were supplied"
        needed = [id_col, *columns]
        if _year_column(prior) is None or not all(c in prior.column_names for c in needed):
            return "the prior years lack the id, year or compared columns"
        return None

    def check_stable(self, column: str, before: pa.ChunkedArray) -> None:
        now = self.typed[column]
        compared = mask(pc.and_(pc.is_valid(now), pc.is_valid(before)))
        changed = compared & mask(pc.not_equal(now, pc.cast(before, now.type)))
        self.rule(
            "birth_date_stable",
            column,
            changed,
            int(np.count_nonzero(compared)),
            "differ from the latest prior year's value for the same person",
        )

    def check_grades(self, column: str, prior: pa.Table, index, ids) -> None:
        element = self.dataset.element(column)
        now = _grade_rank(self.typed[column], element)
        before = _grade_rank(
            pc.cast(prior.column(column).take(index), self.typed[column].type), element
        )
        gap = pc.subtract(self.year, prior.column(_year_column(prior)).take(index))
        step = pc.subtract(now, before)
        compared = mask(pc.and_(pc.is_valid(now), pc.is_valid(before)))
        odd = mask(pc.or_(pc.less(step, 0), pc.greater(step, pc.cast(gap, step.type))))
        documented = pa.array(list(self.ctx.documented_grade_changes), ids.type)
        odd &= compared & ~mask(pc.is_in(ids, value_set=documented))
        self.rule(
            "grade_progression",
            column,
            odd,
            int(np.count_nonzero(compared)),
            "went down a grade or skipped ahead since the latest prior year",
        )

    def stats(self, element: Element, present: dict) -> ColumnStats:
        if element.name not in present:
            return ColumnStats(element.name, element.required, False, 0, 0)
        non_empty = self.n - present[element.name].null_count
        invalid = int(np.count_nonzero(self.invalid.get(element.name, False)))
        return ColumnStats(element.name, element.required, True, non_empty, invalid)

    def typed_table(self, present: dict) -> pa.Table | None:
        if set(present) != set(self.dataset.column_names):
            return None
        arrays = [self.typed[name] for name in self.dataset.column_names]
        return pa.table(arrays, names=self.dataset.column_names)


def convert(raw: pa.ChunkedArray, element: Element) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Convert text to the element's type; return the typed column and where conversion failed."""
    kind = element.type
    if kind in ("string", "code"):
        return raw, np.zeros(len(raw), dtype=bool)
    if kind == "integer":
        ok = pc.match_substring_regex(raw, _INTEGER)
        typed = pc.cast(_keep(raw, ok), pa.int64())
    elif kind == "number":
        ok = pc.match_substring_regex(raw, _NUMBER)
        typed = pc.cast(_keep(raw, ok), pa.float64())
    elif kind == "date":
        ok = pc.match_substring_regex(raw, _DATE)
        stamp = pc.strptime(_keep(raw, ok), format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2021-02-30 over to March; a real date keeps its day of the month.
        day = pc.cast(pc.utf8_slice_codeunits(_keep(raw, ok), 8, 10), pa.int64())
        ok = pc.and_(ok, pc.equal(pc.day(stamp), day))
        typed = pc.cast(_keep(stamp, ok), pa.date32())
    else:
        lower = pc.utf8_lower(raw)
        yes, no = pc.is_in(lower, value_set=_TRUE), pc.is_in(lower, value_set=_FALSE)
        ok = pc.or_(yes, no)
        typed = _keep(yes, ok)
    bad = mask(pc.is_valid(raw)) & ~mask(ok)
    return typed, bad


def _keep(values, ok):
    return pc.if_else(ok, values, pa.scalar(None, values.type))


def _range_text(element: Element) -> str:
    low = "" if element.min is None else f"{element.min:g}"
    high = "" if element.max is None else f"{element.max:g}"
    unit = f" {element.unit}" if element.unit else ""
    return f"the range [{low}, {high}]{unit}"


def _as_array(values: Any, arrow_type: pa.DataType) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(list(values))
    return pc.cast(values, arrow_type)


def _all_distinct(column: pa.ChunkedArray, filled: int) -> bool:
    # The common case, checked cheaply: a hash of distinct values, no per-row bookkeeping.
    distinct = len(pc.unique(column)) - (1 if column.null_count else 0)
    return distinct == filled


def _group_codes(columns: list[pa.ChunkedArray]) -> np.ndarray:
    """One integer per row such that rows share an integer exactly when all columns match."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        encoded = pc.dictionary_encode(column).combine_chunks()
        codes = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64) + 1
        combined = combined * (len(encoded.dictionary) + 1) + codes
        # Re-number densely so the mixed-radix product cannot overflow with many key columns.
        _, combined = np.unique(combined, return_inverse=True)
    return combined.astype(np.int64)


def grade_column(context: ValidationContext, dataset: Dataset) -> str | None:
    """The column whose progression across years is checked, if the dataset has one."""
    if context.grade_column:
        return context.grade_column
    return next((c for c in GRADE_COLUMNS if dataset.has_element(c)), None)


def _year_column(table: pa.Table) -> str | None:
    for name in YEAR_COLUMNS:
        if name in table.column_names:
            return name
    return None


def _latest_prior(prior: pa.Table, id_col: str, year_col: str, year: int) -> pa.Table:
    """One row per id: the most recent year before ``year``."""
    earlier = prior.filter(
        pc.and_(pc.less(prior.column(year_col), year), pc.is_valid(prior.column(id_col)))
    )
    order = pc.sort_indices(earlier, sort_keys=[(year_col, "descending")])
    earlier = earlier.take(order)
    ids = pc.dictionary_encode(earlier.column(id_col)).combine_chunks().indices
    _, first = np.unique(ids.to_numpy(), return_index=True)
    return earlier.take(pa.array(first))


def _grade_rank(values: pa.ChunkedArray, element: Element) -> pa.ChunkedArray:
    if element.codes is not None:
        # Grades rank in the catalog's order of codes (KG, 01 ... 12).
        return pc.index_in(pc.cast(values, pa.string()), value_set=pa.array(list(element.codes)))
    return pc.cast(values, pa.int64())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
