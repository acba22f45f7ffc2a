"""Disaggregated reports over the warehouse: cross-tabulations of enrollment and rates by
student group, grade, school, district and year, protected under the SEA's rules before anyone
sees them. Only the protected table is ever shown, charted or downloaded.

`build_report` is pure (Arrow tables in, protected table out) so the benchmark and the property
test run it without Django; `report_tables` reads the warehouse's latest accepted versions.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from steward.dataplane.sdc import DisclosureRules, TableError, protect_magnitude_rows
from steward.dataplane.warehouse import query
from steward.outputs.tables import (
    COMPLEMENTARY,
    REASON_TEXT,
    LeafTable,
    ProtectedResult,
    protect_table,
    published_certificate,
)

SEA_DATASETS = ("enrollment", "attendance", "assessments", "exits")
PLACES = ("year", "district", "school", "grade")
GROUPS = {
    "race_ethnicity": "Race and ethnicity",
    "sex": "Sex",
    "english_learner": "English learners",
    "disability": "Students with disabilities",
    "economically_disadvantaged": "Economically disadvantaged",
    "homeless": "Homeless",
    "foster_care": "In foster care",
    "migrant": "Migrant",
}
BOOLEAN_GROUPS = frozenset(GROUPS) - {"race_ethnicity", "sex"}


@dataclass(frozen=True)
class Measure:
    label: str
    datasets: tuple[str, ...]
    sql: str  # FROM/WHERE part over `e` (enrollment) and the others; n and d are computed
    numerator: str
    denominator: str = ""
    prelude: str = ""  # a WITH clause the FROM part reads
    magnitude: str = ""  # per-student amount: the cells hold its total, protected as magnitudes


# Outcomes after school follow the SEA's graduates (grade 12, school year Y) into the other
# agencies' records through the crosswalk (`links`: student_id, agency, other_id). A cohort is
# reported only when the outcome's records cover its whole window, so a missing year never
# reads as "not enrolled" or "not employed".
GRADUATES = (
    "e JOIN exits x ON x.school_year = e.school_year AND x.student_id = e.student_id "
    "WHERE CAST(x.grade AS VARCHAR) = '12' AND x.exit_type = 'GRAD'"
)
COLLEGE_PRELUDE = (
    "WITH college AS (SELECT DISTINCT l.student_id, p.school_year FROM links l "
    "JOIN ps_enrollment p ON p.ps_student_id = l.other_id WHERE l.agency = 'postsecondary')"
)
# The four quarters after a June graduation: Q3 of the calendar year the school year ends in
# (Y + 1) through Q2 of the next. Quarter index q = 4 * year + quarter - 1; its cohort is
# floor((q - 2) / 4) - 1.
EARNINGS_PRELUDE = (
    "WITH earned AS (SELECT l.student_id, "
    "CAST(floor((w.year * 4 + w.quarter - 3) / 4) AS INTEGER) - 1 AS cohort, "
    "sum(w.wages) AS wages FROM links l JOIN wages w ON w.wf_person_id = l.other_id "
    "WHERE l.agency = 'workforce' GROUP BY 1, 2)"
)
WAGES_COVER = "(e.school_year + 1) * 4 + 5 <= (SELECT max(year * 4 + quarter - 1) FROM wages)"


MEASURES = {
    "enrollment": Measure("Enrollment (students)", ("enrollment",), "e", "count(*)"),
    "chronic_absence": Measure(
        "Chronic absence rate (absent 10% or more of the days enrolled)",
        ("enrollment", "attendance"),
        "e JOIN attendance a ON a.school_year = e.school_year AND a.student_id = e.student_id "
        "WHERE a.days_enrolled > 0",
        "sum(CASE WHEN a.days_absent * 10 >= a.days_enrolled THEN 1 ELSE 0 END)",
        "count(*)",
    ),
    "proficiency_math": Measure(
        "Proficiency rate, mathematics (levels 3 and 4)",
        ("enrollment", "assessments"),
        "e JOIN assessments s ON s.school_year = e.school_year AND s.student_id = e.student_id "
        "WHERE s.subject = 'MATH'",
        "sum(CASE WHEN s.performance_level >= 3 THEN 1 ELSE 0 END)",
        "count(*)",
    ),
    "proficiency_reading": Measure(
        "Proficiency rate, reading (levels 3 and 4)",
        ("enrollment", "assessments"),
        "e JOIN assessments s ON s.school_year = e.school_year AND s.student_id = e.student_id "
        "WHERE s.subject = 'READ'",
        "sum(CASE WHEN s.performance_level >= 3 THEN 1 ELSE 0 END)",
        "count(*)",
    ),
    "graduation": Measure(
        "Graduation rate of students leaving grade 12 (graduates among graduates and dropouts)",
        ("enrollment", "exits"),
        "e JOIN exits x ON x.school_year = e.school_year AND x.student_id = e.student_id "
        "WHERE CAST(x.grade AS VARCHAR) = '12' AND x.exit_type IN ('GRAD', 'DROP')",
        "sum(CASE WHEN x.exit_type = 'GRAD' THEN 1 ELSE 0 END)",
        "count(*)",
    ),
    "postsecondary_enrollment": Measure(
        "College enrollment rate: graduates enrolled in a Lakeland college in the school year "
        "after graduating (linked records)",
        ("enrollment", "exits", "links", "ps_enrollment"),
        f"{GRADUATES} AND e.school_year + 1 <= (SELECT max(school_year) FROM ps_enrollment)",  # noqa: S608
        "count(DISTINCT c.student_id)",
        "count(DISTINCT e.student_id)",
        prelude=COLLEGE_PRELUDE,
    ),
    "employment": Measure(
        "Employment rate: graduates with Lakeland wages in the four quarters after graduating "
        "(linked records)",
        ("enrollment", "exits", "links", "wages"),
        f"{GRADUATES} AND {WAGES_COVER}",
        "count(DISTINCT w.student_id)",
        "count(DISTINCT e.student_id)",
        prelude=EARNINGS_PRELUDE,
    ),
    "wages": Measure(
        "Average wages of employed graduates in the four quarters after graduating, in dollars "
        "(linked records)",
        ("enrollment", "exits", "links", "wages"),
        f"{GRADUATES} AND {WAGES_COVER}",
        "",
        prelude=EARNINGS_PRELUDE,
        magnitude="w.wages",
    ),
}
# The FROM part's joins to the outcome each measure needs (after its base joins).
OUTCOME_JOINS = {
    "postsecondary_enrollment": (
        " LEFT JOIN college c ON c.student_id = e.student_id AND c.school_year = e.school_year + 1"
    ),
    "employment": " LEFT JOIN earned w ON w.student_id = e.student_id AND w.cohort = e.school_year",
    "wages": " JOIN earned w ON w.student_id = e.student_id AND w.cohort = e.school_year",
}
LINKED_NAMES = {
    "links": "a crosswalk linking the SEA's students to the other agency (a data steward's "
    "accepted linkage run)",
    "ps_enrollment": "postsecondary enrollment",
    "wages": "workforce wage records",
}


class ReportError(ValueError):
    """A report specification that cannot be built; the message says what to change."""


@dataclass(frozen=True)
class ReportSpec:
    measure: str
    places: tuple[str, ...]  # some of PLACES, in order
    group: str = ""  # one of GROUPS, or none
    first_year: int = 0
    last_year: int = 0
    district: str = ""  # one district's id, or the whole state

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ReportError(f"measure: one of {', '.join(MEASURES)}")
        unknown = [p for p in self.places if p not in PLACES]
        if unknown:
            raise ReportError(f"places: unknown {', '.join(unknown)}; one of {', '.join(PLACES)}")
        if len(set(self.places)) != len(self.places):
            raise ReportError("places: a dimension is named twice")
        if self.group and self.group not in GROUPS:
            raise ReportError(f"group: one of {', '.join(GROUPS)}")
        if not self.places and not self.group:
            raise ReportError("places: choose at least one dimension or a student group")
        if self.first_year > self.last_year:
            raise ReportError("years: the first year comes after the last")

    @property
    def dims(self) -> list[str]:
        """Outermost first: the places in order (district before school), then the group."""
        ordered = [p for p in PLACES if p in self.places]
        return [*ordered, *([self.group] if self.group else [])]

    def to_query(self) -> dict[str, str]:
        return {
            "measure": self.measure,
            "places": ",".join(self.places),
            "group": self.group,
            "first_year": str(self.first_year),
            "last_year": str(self.last_year),
            "district": self.district,
        }

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ReportSpec:
        """The inverse of `to_query` (a stored or linked specification)."""
        try:
            return cls(
                measure=query["measure"],
                places=tuple(p for p in query.get("places", "").split(",") if p),
                group=query.get("group", ""),
                first_year=int(query["first_year"]),
                last_year=int(query["last_year"]),
                district=query.get("district", ""),
            )
        except (KeyError, ValueError):
            raise ReportError("the report's specification is incomplete") from None

    def to_summary(self) -> dict[str, Any]:
        return {**self.to_query(), "first_year": self.first_year, "last_year": self.last_year}


@dataclass(frozen=True)
class Report:
    spec: ReportSpec
    columns: list[str]
    rows: list[dict[str, Any]]  # published: {"codes", "value", "suppressed"}
    reasons: dict[int, str]  # why each hidden cell is hidden, in words
    certificate: dict[str, Any]
    n_cells: int
    n_suppressed: int
    true_counts: list[float] = field(repr=False, default_factory=list)  # never shown; tests only

    @property
    def measure(self) -> Measure:
        return MEASURES[self.spec.measure]


def _dim_sql(dim: str) -> str:
    if dim == "year":
        return "CAST(e.school_year AS VARCHAR)"
    if dim == "district":
        return "CAST(e.district_id AS VARCHAR)"
    if dim == "school":
        return "CAST(e.school_id AS VARCHAR)"
    if dim == "grade":
        return "CAST(e.grade AS VARCHAR)"
    if dim in BOOLEAN_GROUPS:
        flag = f"lower(CAST(e.{dim} AS VARCHAR)) IN ('true', '1', 'yes')"
        return f"CASE WHEN {flag} THEN 'yes' ELSE 'no' END"
    return f"CAST(e.{dim} AS VARCHAR)"


def _from_where(spec: ReportSpec, measure: Measure) -> str:
    body = measure.sql
    where = [f"e.school_year BETWEEN {int(spec.first_year)} AND {int(spec.last_year)}"]
    if spec.district:
        where.append("CAST(e.district_id AS VARCHAR) = " + _quoted(spec.district))
    if spec.measure in OUTCOME_JOINS:
        head, _, tail = body.partition(" WHERE ")
        body = f"{head}{OUTCOME_JOINS[spec.measure]} WHERE {tail}"
    joiner = " AND " if " WHERE " in f" {body} " else " WHERE "
    return body + joiner + " AND ".join(where)


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _missing(measure: Measure, tables: Mapping[str, pa.Table]) -> None:
    missing = [name for name in measure.datasets if name not in tables]
    if missing:
        named = ", ".join(LINKED_NAMES.get(name, name) for name in missing)
        raise ReportError(f"the warehouse holds no {named} for these years")


def leaf_counts(spec: ReportSpec, tables: Mapping[str, pa.Table]) -> pa.Table:
    """The finest cells: one row per combination present, with n (and d for a rate); for a
    magnitude (wages), one row per contributing student with its amount `m`."""
    measure = MEASURES[spec.measure]
    _missing(measure, tables)
    dims = spec.dims
    select = ", ".join(f'{_dim_sql(d)} AS "{d}"' for d in dims)
    body = _from_where(spec, measure)
    # Every name comes from the fixed lists above; the one free value (district) is quoted.
    if measure.magnitude:
        sql = f"{measure.prelude} SELECT {select}, {measure.magnitude} AS m FROM {body}"  # noqa: S608
    else:
        d = f", {measure.denominator} AS d" if measure.denominator else ""
        group_by = ", ".join(str(i + 1) for i in range(len(dims)))
        sql = (
            f"{measure.prelude} SELECT {select}, {measure.numerator} AS n{d} "  # noqa: S608
            f"FROM {body} GROUP BY {group_by}"
        )
    return query(sql, {("e" if k == "enrollment" else k): v for k, v in tables.items()})


def estimate_cells(spec: ReportSpec, leaves: pa.Table) -> int:
    """The protected table's size, margins included, from its leaf cells: each dimension's
    codes and its total; schools nest within districts when both are asked for."""
    import pyarrow.compute as pc

    sizes = {d: len(pc.unique(leaves[d])) for d in spec.dims}
    cells = 1
    for d in spec.dims:
        if d == "school" and "district" in sizes:
            continue
        if d == "district" and "school" in sizes:
            cells *= sizes["district"] + sizes["school"] + 1
        else:
            cells *= sizes[d] + 1
    return cells


def build_report(
    spec: ReportSpec,
    tables: Mapping[str, pa.Table],
    rules: DisclosureRules,
    rule_versions: Sequence[dict] = (),
) -> Report:
    """Aggregate, then protect: suppression (with the reason), rounding and rate coding."""
    leaves = leaf_counts(spec, tables)
    if leaves.num_rows == 0:
        raise ReportError("no students match this report (check the years and the district)")
    measure = MEASURES[spec.measure]
    if measure.magnitude:
        return _build_magnitude(spec, leaves, rules, rule_versions)
    data = leaves.to_pydict()
    dims = spec.dims
    rows = tuple(
        {
            **{d: str(data[d][i]) for d in dims},
            "n": str(int(data["n"][i])),
            **({"d": str(int(data["d"][i]))} if measure.denominator else {}),
        }
        for i in range(leaves.num_rows)
    )
    leaf = LeafTable("report", tuple(dims), "n", "d" if measure.denominator else "", rows)
    # A report is seen inside and never released as such: its certificate is the summary form
    # (rules, hidden cells, the audit's verdict), not the intervals of every hidden cell.
    result: ProtectedResult = protect_table(leaf, rules, rule_versions, intervals=False)
    columns = [*dims, "rate" if measure.denominator else "students"]
    reasons = {
        i: ", ".join(REASON_TEXT.get(r, r) for r in reason.split(","))
        for i, reason in result.reasons.items()
    }
    return Report(
        spec=spec,
        columns=columns,
        rows=result.rows,
        reasons=reasons,
        certificate=result.certificate,
        n_cells=result.protection.table.n_cells,
        n_suppressed=result.protection.n_suppressed,
        true_counts=[float(v) for v in result.protection.table.flat_values],
    )


def _build_magnitude(
    spec: ReportSpec, leaves: pa.Table, rules: DisclosureRules, rule_versions: Sequence[dict]
) -> Report:
    """Wages: one row per employed graduate in, each cell's protected average out."""
    dims = spec.dims
    data = leaves.to_pydict()
    units = [
        {**{d: str(data[d][i]) for d in dims}, "m": data["m"][i]} for i in range(len(data["m"]))
    ]
    try:
        result = protect_magnitude_rows(units, dims, "m", rules, name="report")
    except TableError as error:
        raise ReportError(str(error)) from None
    protection = result.protection
    primary = {c.cell: c.reason for c in protection.audit.cells}
    rows, reasons = [], {}
    for i, (codes, shown) in enumerate(result.cells):
        hidden = bool(protection.suppressed[i])
        rows.append({"codes": codes, "value": shown, "suppressed": hidden})
        if hidden:
            why = primary.get(i) or COMPLEMENTARY
            reasons[i] = ", ".join(REASON_TEXT.get(r, r) for r in why.split(","))
    issued_at = datetime.now(UTC).isoformat(timespec="seconds")
    return Report(
        spec=spec,
        columns=[*dims, "average_wages"],
        rows=rows,
        reasons=reasons,
        certificate=published_certificate(
            protection.certificate(issued_at, intervals=False), rule_versions
        ),
        n_cells=protection.table.n_cells,
        n_suppressed=protection.n_suppressed,
        true_counts=[float(v) for v in protection.table.contributors],
    )


def report_csv(report: Report) -> str:
    """The protected table as CSV: the published value of each cell, "*" where hidden."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow([*row["codes"], row["value"]])
    return buffer.getvalue()


def report_xlsx(report: Report) -> bytes:
    """The protected table as an Excel workbook: the same cells as the CSV (numbers as numbers,
    "*" and coded values as text), and a sheet saying what the marks mean."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Protected table"
    sheet.append(list(report.columns))
    for row in report.rows:
        value = row["value"]
        number = None if row["suppressed"] else _plain_number(value)
        sheet.append([*row["codes"], value if number is None else number])
    notes = book.create_sheet("Notes")
    notes.append(
        [f"{report.measure.label}: {report.n_suppressed} of {report.n_cells} cells hidden."]
    )
    notes.append(["* marks a cell hidden by the disclosure rules (too few students, or a cell"])
    notes.append(["  hidden so that a hidden one cannot be worked out from the totals)."])
    notes.append(["A range such as <5% or >95% is a rate shown coded because its group is small."])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plain_number(value: str) -> int | float | None:
    """A published value written as a plain number ("12", "45.5"), else None (coded, "*")."""
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def _number(value: str) -> float | None:
    try:
        return float(value.rstrip("%"))
    except ValueError:
        return None


def chart_points(report: Report) -> list[dict[str, Any]]:
    """The protected values of the first dimension's cells (every other at its total); hidden
    and coded cells are left out of the chart and stay in the table."""
    points = []
    for row in report.rows:
        codes = row["codes"]
        if codes[0] == "Total" or any(c != "Total" for c in codes[1:]) or row["suppressed"]:
            continue
        number = _number(row["value"])
        if number is not None:
            points.append({"label": codes[0], "value": number})
    return points


def chart_svg_uri(points: list[dict[str, Any]], x_title: str, y_title: str) -> str:
    """A bar chart of the protected values as an SVG data URI (no script, strict CSP)."""
    if not points:
        return ""
    import vl_convert

    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": points[:60]},
        "mark": "bar",
        "width": 480,
        "encoding": {
            "x": {"field": "label", "type": "nominal", "title": x_title, "sort": None},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
        },
    }
    svg = vl_convert.vegalite_to_svg(spec)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
