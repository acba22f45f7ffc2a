"""Outcomes after school over linked records: college enrollment, employment and wages of the
SEA's graduates, counted as a direct reading of the synthetic files counts them, protected as
the other rates are, and wages as a magnitude table under the dominance and p% rules."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from steward.dataplane.sdc import DisclosureRules, protect_magnitude_rows
from steward.dataplane.sdc.primary import sensitivity
from steward.outputs.reports import ReportError, ReportSpec, build_report

from .synth_tables import synthetic_tables

YEARS = (2017, 2022)


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, pa.Table]:
    out: Path = tmp_path_factory.mktemp("linked")
    return synthetic_tables(out, students=1500, years=YEARS, seed=23)


def _graduates(tables) -> dict[int, set[str]]:
    """Each school year's graduates (grade 12, GRAD) who are in that year's enrollment."""
    enrolled = defaultdict(set)
    for row in tables["enrollment"].select(["school_year", "student_id"]).to_pylist():
        enrolled[row["school_year"]].add(row["student_id"])
    graduates = defaultdict(set)
    for row in tables["exits"].to_pylist():
        graduated = row["exit_type"] == "GRAD" and str(row["grade"]) == "12"
        if graduated and row["student_id"] in enrolled[row["school_year"]]:
            graduates[row["school_year"]].add(row["student_id"])
    return graduates


def _links(tables, agency: str) -> dict[str, str]:
    return {
        r["student_id"]: r["other_id"] for r in tables["links"].to_pylist() if r["agency"] == agency
    }


def _totals(report) -> dict[str, float]:
    """The true numerator of each year's total cell (never shown; the test reads it)."""
    return {
        row["codes"][0]: true
        for row, true in zip(report.rows, report.true_counts, strict=True)
        if row["codes"][1:] == ["Total"] * (len(row["codes"]) - 1)
    }


def test_college_enrollment_counts_graduates_enrolled_the_next_school_year(tables):
    report = build_report(
        ReportSpec("postsecondary_enrollment", ("year",), "sex", 2017, 2022),
        tables,
        DisclosureRules(),
    )
    links = _links(tables, "postsecondary")
    college = defaultdict(set)
    for row in tables["ps_enrollment"].select(["school_year", "ps_student_id"]).to_pylist():
        college[row["school_year"]].add(row["ps_student_id"])
    expected = {
        str(year): sum(1 for s in students if links.get(s) in college[year + 1])
        for year, students in _graduates(tables).items()
        if year + 1 <= YEARS[1]  # the last cohort has no next year in the files: left out
    }
    totals = _totals(report)
    assert "2022" not in totals
    assert {k: int(v) for k, v in totals.items() if k != "Total"} == expected
    assert sum(expected.values()) > 0
    assert report.columns == ["year", "sex", "rate"]


def _earnings(tables) -> dict[tuple[str, int], float]:
    """Wages per graduate and cohort: Q3 of the year after the school year starts, to Q2 after."""
    links = {v: k for k, v in _links(tables, "workforce").items()}
    earned = defaultdict(float)
    for row in tables["wages"].to_pylist():
        student = links.get(row["wf_person_id"])
        if student is None:
            continue
        q = 4 * row["year"] + row["quarter"] - 1
        earned[(student, (q - 2) // 4 - 1)] += row["wages"]
    return earned


def test_employment_and_wages_follow_graduates_for_four_quarters(tables):
    earned = _earnings(tables)
    last = max(4 * r["year"] + r["quarter"] - 1 for r in tables["wages"].to_pylist())
    covered = {y: s for y, s in _graduates(tables).items() if (y + 1) * 4 + 5 <= last}
    employed = {
        str(y): sum(1 for s in students if (s, y) in earned) for y, students in covered.items()
    }
    rules = DisclosureRules()
    employment = build_report(ReportSpec("employment", ("year",), "", *YEARS), tables, rules)
    assert {k: int(v) for k, v in _totals(employment).items() if k != "Total"} == employed
    wages = build_report(ReportSpec("wages", ("year",), "", *YEARS), tables, rules)
    assert wages.columns == ["year", "average_wages"]
    contributors = {k: int(v) for k, v in _totals(wages).items() if k != "Total"}
    assert contributors == employed
    for row in wages.rows:
        if row["suppressed"]:
            continue
        year = row["codes"][0]
        amounts = [
            earned[(s, int(year))]
            for s in (covered[int(year)] if year != "Total" else [])
            if (s, int(year)) in earned
        ]
        if amounts:  # a year's average, rounded to the nearest 100 dollars
            assert float(row["value"]) == round(sum(amounts) / len(amounts) / 100) * 100


def test_no_published_wage_cell_is_small_or_dominated():
    rng = np.random.default_rng(5)
    rows = []
    for school, n in (("A", 40), ("B", 3), ("C", 25)):
        for i in range(n):
            rows.append(
                {"school": school, "group": "x" if i % 2 else "y", "m": rng.uniform(1e3, 2e4)}
            )
    rows.append({"school": "C", "group": "x", "m": 2_000_000.0})  # one earner dominates C/x
    rules = DisclosureRules(threshold=5)
    result = protect_magnitude_rows(rows, ["school", "group"], "m", rules)
    table = result.protection.table
    sens = sensitivity(table, rules)
    shown = ~result.protection.suppressed
    assert not (sens.sensitive & shown).any()
    assert result.protection.audit.passed
    hidden_codes = {tuple(codes) for (codes, value) in result.cells if value == "*"}
    assert ("C", "x") in hidden_codes and ("B", "x") in hidden_codes


def test_outcomes_need_the_crosswalk(tables):
    without = {k: v for k, v in tables.items() if k != "links"}
    with pytest.raises(ReportError, match="crosswalk"):
        build_report(ReportSpec("employment", ("year",), "", *YEARS), without, DisclosureRules())


@pytest.mark.django_db
def test_the_links_come_from_the_current_crosswalk_of_each_agency(monkeypatch):
    from types import SimpleNamespace

    from django.core.exceptions import ValidationError

    from steward.dataplane.linkage import crosswalk
    from steward.linkage import services as linkage_services
    from steward.outputs import report_linked

    crosswalks = {
        "run-ps": pa.table(
            {
                "agency": ["sea", "postsecondary", "sea", "postsecondary", "sea"],
                "agency_id": ["S1", "H9", "S2", "H8", "S3"],
                "master_id": ["m1", "m1", "m2", "m3", "m4"],
            }
        )
    }

    def current(sea: str, agency: str):
        if agency != "postsecondary":
            raise ValidationError("No accepted crosswalk.")
        return SimpleNamespace(key="run-ps")

    monkeypatch.setattr(linkage_services, "current_crosswalk_run", current)
    monkeypatch.setattr(crosswalk, "read_crosswalk", lambda root, keys, key: crosswalks[key])
    monkeypatch.setattr(report_linked, "_latest", lambda agency, dataset: {})
    tables = report_linked.linked_tables(("enrollment", "exits", "links", "ps_enrollment"))
    assert tables["links"].to_pylist() == [
        {"student_id": "S1", "agency": "postsecondary", "other_id": "H9"}
    ]
    assert "ps_enrollment" not in tables  # no accepted version: the builder says it is missing
    assert "links" not in report_linked.linked_tables(("enrollment", "links", "wages"))
