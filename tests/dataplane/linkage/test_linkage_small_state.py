"""A small state: EM must not drive an m to zero, and levels it cannot estimate are reported."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pytest

from steward.dataplane import linkage as lk
from steward.dataplane.linkage import em_guard
from steward.dataplane.linkage.dialect import dialect_for
from steward.dataplane.synth import generate

# With 400 students (2014-2019, seed 2) EM drove the m of "All other comparisons" on first
# name to 0.0 in the session blocked on birth date, and Splink refused the value
# ("m_probability value 0.0 is below the minimum allowed value").


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small-state")
    generate(folder, students=400, years=(2014, 2019), seed=2)
    return folder


@pytest.fixture(scope="module")
def result(state) -> lk.LinkageResult:
    sea = lk.read_agency_people(state, "sea")
    college = lk.read_agency_people(state, "postsecondary")
    return lk.link(sea, college, config=lk.LinkageConfig(other_agency="postsecondary"))


def test_a_small_state_whose_em_drove_an_m_to_zero_still_links_accurately(state, result):
    measured = lk.evaluate(result, lk.read_truth(state, "postsecondary"))
    assert measured.f1 >= 0.97


def test_every_level_has_a_finite_weight_and_no_m_below_what_em_can_measure(result):
    for row in result.diagnostics.parameters:
        assert row["m"] is not None and row["m"] >= em_guard.M_ESTIMABLE, row["level"]
        assert math.isfinite(row["match_weight"]), row["level"]
    weights = result.candidates["match_weight"].to_pylist()
    assert weights and all(math.isfinite(w) for w in weights)


def test_levels_em_could_not_estimate_fall_back_to_the_default_and_are_counted(result):
    rows = result.diagnostics.parameters
    defaulted = [r for r in rows if r["m_source"] == "default"]
    assert defaulted, "a state this small leaves some levels unestimated"
    assert all(r["m"] == em_guard.DEFAULT_M for r in defaulted)
    assert result.diagnostics.counts["m_defaulted_levels"] == len(defaulted)
    # The exact-agreement levels are always estimated.
    exact = [r for r in rows if r["level"].startswith("Exact match")]
    assert exact and all(r["m_source"] == "estimated" and r["m"] > 0.5 for r in exact)


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        lk.LinkageConfig(backend="sqlite")


def test_custom_comparison_sql_is_written_for_each_dialect():
    duck, spark = dialect_for("duckdb"), dialect_for("spark")
    assert duck.lists_overlap("a_l", "a_r") == "list_has_any(a_l, a_r)"
    assert spark.lists_overlap("a_l", "a_r") == "arrays_overlap(a_l, a_r)"
    assert spark.is_hyphen_part("x_r", "x_l") == "array_contains(split(x_l, '-'), x_r)"
    assert duck.is_hyphen_part("x_r", "x_l") == "list_contains(string_split(x_l, '-'), x_r)"


def test_the_hyphen_and_nickname_levels_mean_what_they_say_in_duckdb():
    # The DuckDB fragments, run: a part of a hyphenated name agrees, a substring does not.
    import duckdb

    duck = dialect_for("duckdb")
    table = pa.table(
        {
            "last_l": ["garcia-lopez", "garcia-lopez", "lopez"],
            "last_r": ["lopez", "lope", "garcia-lopez"],
            "v_l": [["bill", "william"], ["ann"], []],
            "v_r": [["william"], ["anna"], ["x"]],
        }
    )
    con = duckdb.connect()
    con.register("t", table)
    hyphen = (
        f"{duck.is_hyphen_part('last_r', 'last_l')} or {duck.is_hyphen_part('last_l', 'last_r')}"
    )
    rows = con.sql(f"select {hyphen}, {duck.lists_overlap('v_l', 'v_r')} from t").fetchall()  # noqa: S608
    assert rows == [(True, True), (False, False), (True, False)]
