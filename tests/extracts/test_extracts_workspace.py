"""The workspace: one SELECT in a locked DuckDB, results shown only after the checks."""

from __future__ import annotations

import pyarrow as pa
import pytest

from steward.dataplane.sdc import DisclosureRules
from steward.extracts.workspace import Limits, run_query

RULES = DisclosureRules(threshold=10, rounding_base=1)
TABLES = {
    "attendance": pa.table(
        {
            "person_id": [f"p{i}" for i in range(60)],
            "school_year": [2016 + i % 2 for i in range(60)],
            "grade": ["06"] * 56 + ["07"] * 4,
            "days_absent": [i % 30 for i in range(60)],
        }
    )
}


def run(sql: str):
    return run_query(sql, TABLES, RULES, Limits(memory="128MB", seconds=10))


@pytest.mark.parametrize(
    "sql",
    [
        "COPY attendance TO 'out.csv'",
        "ATTACH 'other.duckdb'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET memory_limit = '8GB'",
        "PRAGMA threads = 8",
        "RESET lock_configuration",
        "CREATE TABLE copy AS SELECT * FROM attendance",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT count(*) FROM '/etc/passwd'",
        "SELECT count(*) FROM 'attendance.parquet'",
        "SELECT current_setting('memory_limit')",
        "SELECT grade, count(*) FROM attendance, range(20) GROUP BY grade",
        "SELECT 1; SELECT 2",
    ],
)
def test_the_workspace_refuses_statements_that_reach_outside_or_change_settings(sql):
    verdict = run(sql)
    assert verdict.outcome == "refused"
    assert verdict.reasons and not verdict.rows


def test_an_aggregate_with_every_row_above_the_threshold_is_shown():
    verdict = run(
        "SELECT school_year, avg(days_absent) AS mean FROM attendance GROUP BY 1 ORDER BY 1"
    )
    assert verdict.outcome == "shown"
    assert verdict.columns == ["school_year", "mean"]
    assert [row[0] for row in verdict.rows] == [2016, 2017]
    assert verdict.counts == [30, 30]


def test_a_result_with_a_cell_under_the_threshold_is_withheld_with_the_reason():
    verdict = run("SELECT grade, count(*) AS n FROM attendance GROUP BY grade ORDER BY grade")
    assert verdict.outcome == "withheld"
    assert verdict.rows == []
    assert verdict.reasons == ["Row 2: threshold: 4 units, fewer than 10."]


def test_a_typed_in_count_does_not_fool_the_check():
    verdict = run("SELECT grade, 100 AS n FROM attendance GROUP BY grade")
    assert verdict.outcome == "withheld"


def test_row_level_results_are_never_shown():
    verdict = run("SELECT person_id, days_absent FROM attendance")
    assert verdict.outcome == "withheld"
    assert "Row-level results" in verdict.reasons[0]


def test_a_result_listing_pseudonyms_is_withheld_even_when_grouped():
    verdict = run("SELECT a.person_id, count(*) FROM attendance a, attendance b GROUP BY 1")
    assert verdict.outcome == "withheld"
    assert verdict.reasons == ["A result may not list pseudonyms (person_id)."]
