from __future__ import annotations

import numpy as np

from steward.dataplane.sdc import DisclosureRules
from steward.dataplane.sdc.outputs import check_counts, check_regression, check_table

RULES = DisclosureRules()


def test_a_table_of_means_with_large_groups_passes():
    rng = np.random.default_rng(0)
    groups = {(d, g): rng.normal(250, 30, 200) for d in ("D1", "D2") for g in ("6", "7", "8")}
    check = check_table(groups, "mean", RULES)
    assert check.passed
    assert all(cell.shown != "*" for cell in check.cells)


def test_a_small_group_fails_the_threshold_with_its_reason():
    check = check_table({"small": np.ones(4), "large": np.ones(40)}, "mean", RULES)
    (failure,) = check.failures
    assert failure.key == ("small",)
    assert failure.reasons == ("threshold: 4 units, fewer than 10",)


def test_a_total_dominated_by_two_units_fails_dominance():
    values = np.r_[[1000.0, 900.0], np.ones(20)]
    (failure,) = check_table({"x": values}, "sum", RULES).failures
    assert any(r.startswith("dominance") for r in failure.reasons)
    assert any(r.startswith("p%") for r in failure.reasons)


def test_a_maximum_held_by_one_unit_fails_as_an_extreme_value():
    check = check_table({"x": np.arange(50.0)}, "max", RULES)
    assert check.failures[0].reasons[0].startswith("extreme value")
    shared_ceiling = np.r_[np.full(12, 100.0), np.arange(40.0)]
    assert check_table({"x": shared_ceiling}, "max", RULES).passed


def test_counts_are_checked_for_zeros_and_rounded_when_shown():
    check = check_counts({"a": 0, "b": 7, "c": 23}, RULES)
    reasons = {c.key[0]: c.reasons for c in check.cells}
    assert reasons["a"] == ("zero: an empty cell",)
    assert reasons["b"][0].startswith("threshold")
    assert [c.shown for c in check.cells] == ["*", "*", "25"]


def test_a_regression_needs_enough_residual_degrees_of_freedom():
    assert check_regression(120, RULES).passed
    failed = check_regression(6, RULES)
    assert failed.failures[0].reasons == ("degrees of freedom: 6 residual, fewer than 10",)
