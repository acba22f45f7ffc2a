"""A small state: EM must not drive an m to zero, and levels it cannot estimate are reported."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from steward.dataplane import linkage as lk
from steward.dataplane.linkage import em_guard
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
    neutral = [r for r in rows if r["m_source"] == "neutral"]
    assert defaulted, "a state this small leaves some levels unestimated"
    assert all(r["m"] == em_guard.DEFAULT_M for r in defaulted)
    assert all(r["match_weight"] == 0 for r in neutral)
    assert result.diagnostics.counts["m_defaulted_levels"] == len(defaulted) + len(neutral)
    # The exact-agreement levels are always estimated.
    exact = [r for r in rows if r["level"].startswith("Exact match")]
    assert exact and all(r["m_source"] == "estimated" and r["m"] > 0.5 for r in exact)


def test_a_level_that_neither_em_nor_random_sampling_met_weighs_nothing(tmp_path):
    # 300 students (2015-2019, seed 1): no random pair shares a part of a hyphenated name,
    # so u is unknown; a default m against Splink's stand-in u of 1e-6 would add 10 bits.
    generate(tmp_path, students=300, years=(2015, 2019), seed=1)
    sea = lk.read_agency_people(tmp_path, "sea")
    college = lk.read_agency_people(tmp_path, "postsecondary")
    result = lk.link(sea, college, config=lk.LinkageConfig(other_agency="postsecondary"))
    hyphen = next(
        r for r in result.diagnostics.parameters if r["level"] == "One part of a hyphenated name"
    )
    assert hyphen["m_source"] == "neutral"
    assert hyphen["m"] == hyphen["u"] and hyphen["match_weight"] == 0
    assert lk.evaluate(result, lk.read_truth(tmp_path, "postsecondary")).f1 >= 0.95
