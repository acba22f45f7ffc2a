"""Reports over the synthetic state: whatever the specification, every download holds only the
protected table, and no shown cell counts fewer students than the rules allow."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from steward.dataplane.sdc import DisclosureRules
from steward.outputs.reports import (
    GROUPS,
    MEASURES,
    PLACES,
    ReportError,
    ReportSpec,
    build_report,
    chart_points,
    report_csv,
    report_xlsx,
)
from steward.outputs.tables import published_csv

from .synth_tables import synthetic_tables

YEARS = (2019, 2020)
OUTCOME_YEARS = (2019, 2022)  # the outcomes after school of the 2019 and 2020 graduates


@pytest.fixture(scope="module")
def state_tables(tmp_path_factory) -> dict[str, pa.Table]:
    """A small synthetic state (about 400 students), its files as Arrow, with linked outcomes."""
    out: Path = tmp_path_factory.mktemp("synth")
    return synthetic_tables(out, students=400, years=OUTCOME_YEARS, seed=11)


specs = st.builds(
    ReportSpec,
    measure=st.sampled_from(sorted(MEASURES)),
    places=st.lists(st.sampled_from(PLACES), unique=True, min_size=1, max_size=2).map(tuple),
    group=st.sampled_from(["", *GROUPS]),
    first_year=st.just(YEARS[0]),
    last_year=st.sampled_from(YEARS),
)
rule_sets = st.builds(
    DisclosureRules,
    threshold=st.integers(3, 20),
    zeros_disclosive=st.booleans(),
    rounding_base=st.sampled_from([1, 5]),
)


def _number_or_text(value) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=specs, rules=rule_sets)
def test_no_report_download_ever_contains_an_unprotected_cell(state_tables, spec, rules):
    try:
        report = build_report(spec, state_tables, rules)
    except ReportError:
        return  # no student matches: nothing is built, nothing downloads
    download = report_csv(report)
    assert download == published_csv(report.columns, report.rows)
    lines = list(csv.reader(io.StringIO(download)))
    assert lines[0] == report.columns
    # The Excel download holds exactly the CSV's cells (numbers as numbers).
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["Protected table"]
    excel = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[:-1] for row in excel] == [line[:-1] for line in lines]
    assert [_number_or_text(row[-1]) for row in excel] == [
        _number_or_text(line[-1]) for line in lines
    ]
    assert len(lines) - 1 == report.n_cells == len(report.true_counts)
    for line, row, true in zip(lines[1:], report.rows, report.true_counts, strict=True):
        shown = line[-1]
        if row["suppressed"]:
            assert shown == "*"
            continue
        if shown == "*":  # a rate of an empty group: there is no rate to show
            assert true == 0
            continue
        small = 0 < true < rules.threshold  # students, or for wages contributors
        zero = true == 0 and rules.zeros_disclosive
        assert not small and not zero, f"cell {line[:-1]} shows a count of {true}"
    for point in chart_points(report):
        assert any(r["codes"][0] == point["label"] and not r["suppressed"] for r in report.rows)


def test_every_hidden_cell_of_a_report_says_why(state_tables):
    spec = ReportSpec("enrollment", ("school",), "race_ethnicity", *YEARS)
    report = build_report(spec, state_tables, DisclosureRules())
    hidden = [i for i, row in enumerate(report.rows) if row["suppressed"]]
    assert hidden and set(report.reasons) == set(hidden)
    assert "fewer students than the minimum cell size" in report.reasons.values()


def test_a_rate_report_shows_rates_not_counts(state_tables):
    spec = ReportSpec("chronic_absence", ("year",), "", *YEARS)
    report = build_report(spec, state_tables, DisclosureRules())
    assert report.columns == ["year", "rate"]
    assert all(row["value"].endswith("%") or row["value"] == "*" for row in report.rows)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"measure": "height"}, "measure"),
        ({"places": ("county",)}, "places"),
        ({"places": (), "group": ""}, "at least one"),
        ({"group": "height"}, "group"),
    ],
)
def test_a_bad_specification_is_refused_with_what_to_change(changes, message):
    fields = {
        "measure": "enrollment",
        "places": ("year",),
        "group": "",
        "first_year": 2019,
        "last_year": 2020,
        **changes,
    }
    with pytest.raises(ReportError, match=message):
        ReportSpec(**fields)
