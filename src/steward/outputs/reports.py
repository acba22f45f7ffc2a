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
from typing import Any

import pyarrow as pa

from steward.dataplane.sdc import DisclosureRules
from steward.dataplane.warehouse import query
from steward.outputs.tables import REASON_TEXT, LeafTable, ProtectedResult, protect_table

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


def leaf_counts(spec: ReportSpec, tables: Mapping[str, pa.Table]) -> pa.Table:
    """The finest cells: one row per combination present, with n (and d for a rate)."""
    measure = MEASURES[spec.measure]
    missing = [name for name in measure.datasets if name not in tables]
    if missing:
        raise ReportError(f"the warehouse holds no {', '.join(missing)} for these years")
    dims = spec.dims
    select = ", ".join(f'{_dim_sql(d)} AS "{d}"' for d in dims)
    where = [f"e.school_year BETWEEN {int(spec.first_year)} AND {int(spec.last_year)}"]
    if spec.district:
        where.append("CAST(e.district_id AS VARCHAR) = $district")
    body = measure.sql
    joiner = " AND " if " WHERE " in f" {body} " else " WHERE "
    body = body + joiner + " AND ".join(where)
    d = f", {measure.denominator} AS d" if measure.denominator else ""
    group_by = ", ".join(str(i + 1) for i in range(len(dims)))
    # Every name comes from the fixed lists above; the one free value (district) is quoted.
    sql = f"SELECT {select}, {measure.numerator} AS n{d} FROM {body} GROUP BY {group_by}"  # noqa: S608
    if spec.district:
        sql = sql.replace("$district", "'" + spec.district.replace("'", "''") + "'")
    return query(sql, {("e" if k == "enrollment" else k): v for k, v in tables.items()})


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
    result: ProtectedResult = protect_table(leaf, rules, rule_versions)
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


def report_csv(report: Report) -> str:
    """The protected table as CSV: the published value of each cell, "*" where hidden."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow([*row["codes"], row["value"]])
    return buffer.getvalue()


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
