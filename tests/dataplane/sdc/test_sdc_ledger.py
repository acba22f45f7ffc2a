from __future__ import annotations

import json

import numpy as np

from steward.dataplane.sdc import Dimension, DisclosureRules, ledger, protect, table_from_leaf_cells
from steward.dataplane.sdc.ledger import Release, audit_with_ledger, release_from_protection

RULES = DisclosureRules()


def north_release(release_id, root, schools, total, population="enrollment 2024"):
    """A district-level count with its schools' cells suppressed."""
    dim = Dimension.from_parent_map("school", dict.fromkeys(schools, root))
    cells = {(root,): float(total)} | {(s,): None for s in schools}
    return Release(release_id, population, (dim,), cells)


def test_two_safe_totals_whose_difference_is_a_small_school_are_caught():
    with_charter = north_release("R1", "North", ["A", "B", "C"], 57)
    without_charter = north_release("R2", "North without charter", ["A", "B"], 53)
    assert ledger._exposed(without_charter, [], RULES) == {}  # safe on its own

    result = audit_with_ledger(without_charter, [with_charter], RULES)
    assert not result.passed
    (exposure,) = result.exposures
    assert exposure.atom == (("C",),)
    assert exposure.upper == 4.0
    assert exposure.releases == ("R1",)


def test_totals_of_the_same_name_over_different_schools_are_told_apart():
    # Both tables call their margin "Total"; it is the set of schools it covers that counts.
    with_charter = north_release("R1", "Total", ["A", "B", "C"], 57)
    without_charter = north_release("R2", "Total", ["A", "B"], 53)
    assert ledger._exposed(without_charter, [], RULES) == {}  # safe on its own

    result = audit_with_ledger(without_charter, [with_charter], RULES)
    (exposure,) = result.exposures
    assert exposure.atom == (("C",),) and exposure.upper == 4.0
    assert exposure.releases == ("R1",)


def test_protected_tables_with_and_without_one_school_are_caught_by_the_ledger_alone():
    with_charter = protect(
        table_from_leaf_cells({("A",): 30, ("B",): 23, ("C",): 4}, ["school"]), RULES
    )
    without_charter = protect(table_from_leaf_cells({("A",): 30, ("B",): 23}, ["school"]), RULES)
    first = release_from_protection(with_charter, "R1", "enrollment 2024")
    second = release_from_protection(without_charter, "R2", "enrollment 2024")
    assert without_charter.n_suppressed == 0
    result = audit_with_ledger(second, [first], RULES)
    assert [e.atom for e in result.exposures] == [(("C",),)]
    assert result.exposures[0].releases == ("R1",)


def test_a_school_split_into_campuses_in_another_release_is_expanded_as_it_splits():
    whole = north_release("R1", "North", ["A", "B"], 60)
    campuses = Dimension.from_parent_map(
        "school", {"A1": "A", "A2": "A", "A": "North", "B": "North"}
    )
    split = Release(
        "R2", "enrollment 2024", (campuses,),
        {("North",): 60.0, ("A",): None, ("A1",): None, ("A2",): None, ("B",): 25.0},
    )  # fmt: skip
    result = audit_with_ledger(split, [whole], RULES)
    assert result.overlapping == ("R1",) and result.passed


def test_releases_of_another_population_are_not_combined():
    other_year = north_release("R1", "North", ["A", "B", "C"], 57, population="enrollment 2023")
    without_charter = north_release("R2", "North without charter", ["A", "B"], 53)
    result = audit_with_ledger(without_charter, [other_year], RULES)
    assert result.passed and result.overlapping == ()


def test_a_protected_table_recorded_in_the_ledger_round_trips_through_json():
    cells = {("A", "3"): 40, ("A", "4"): 35, ("B", "3"): 22, ("B", "4"): 3}
    protected = protect(table_from_leaf_cells(cells, ["school", "grade"]), RULES)
    release = release_from_protection(protected, "R7", "grade 3-4 enrollment")
    again = Release.from_dict(json.loads(json.dumps(release.to_dict())))
    assert again == release
    assert again.cells[("B", "4")] is None
    assert ledger._exposed(again, [], RULES) == {}  # safe on its own, read back


def test_an_audit_out_of_time_is_incomplete_and_never_passes():
    with_charter = north_release("R1", "North", ["A", "B", "C"], 57)
    without_charter = north_release("R2", "North without charter", ["A", "B"], 53)
    out_of_time = audit_with_ledger(without_charter, [with_charter], RULES, seconds=0)
    assert not out_of_time.complete and not out_of_time.passed
    assert out_of_time.overlapping == ("R1",) and out_of_time.exposures == ()
    in_time = audit_with_ledger(without_charter, [with_charter], RULES, seconds=60)
    assert in_time.complete and [e.atom for e in in_time.exposures] == [(("C",),)]


def test_a_table_with_no_overlapping_release_passes_without_an_lp(monkeypatch):
    from steward.dataplane.sdc import ledger

    def no_lp(*args, **kwargs):
        raise AssertionError("the attacker LP was solved")

    monkeypatch.setattr(ledger, "witness_bounds", no_lp)
    other_year = north_release("R1", "North", ["A", "B", "C"], 57, population="enrollment 2023")
    result = audit_with_ledger(north_release("R2", "North", ["A", "B"], 53), [other_year], RULES)
    assert result.passed and result.complete and result.overlapping == ()


def test_an_exposure_by_the_new_table_alone_blames_no_earlier_release():
    dim = Dimension.from_parent_map("school", dict.fromkeys(["A", "B", "C"], "North"))
    # Only C hidden: it is the total less A and B, 4 students, whatever else is released.
    alone = Release("R2", "enrollment 2024", (dim,),
                    {("North",): 57.0, ("A",): 30.0, ("B",): 23.0, ("C",): None})  # fmt: skip
    earlier = north_release("R1", "North", ["A", "B", "C"], 57)
    result = audit_with_ledger(alone, [earlier], RULES)
    (exposure,) = result.exposures
    assert exposure.atom == (("C",),) and exposure.upper == 4.0 and exposure.releases == ()


def _no_lp(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the attacker LP over the atoms was solved")

    monkeypatch.setattr(ledger, "witness_bounds", refuse)


def test_releases_of_one_classification_are_audited_as_one_table_without_the_lp(monkeypatch):
    cells = {("A", "3"): 40, ("A", "4"): 35, ("B", "3"): 22, ("B", "4"): 3, ("C", "3"): 17,
             ("C", "4"): 12}  # fmt: skip
    table = table_from_leaf_cells(cells, ["school", "grade"])
    protected = protect(table, RULES)
    first = release_from_protection(protected, "R1", "grade 3-4 enrollment")
    again = release_from_protection(protected, "R2", "grade 3-4 enrollment")
    _no_lp(monkeypatch)
    result = audit_with_ledger(again, [first], RULES, table=table)
    assert result.passed and result.overlapping == ("R1",)


def test_releases_of_one_classification_that_expose_a_cell_together_go_to_the_lp():
    table = table_from_leaf_cells({("A",): 30, ("B",): 23, ("C",): 4}, ["school"])
    dims = table.dimensions
    # Each hides C with one other school; together they show A and B, and so C.
    first = Release("R1", "p", dims, {("Total",): 57.0, ("A",): None, ("B",): 23.0, ("C",): None})
    second = Release("R2", "p", dims, {("Total",): 57.0, ("A",): 30.0, ("B",): None, ("C",): None})
    assert not ledger._exposed(first, [], RULES) and not ledger._exposed(second, [], RULES)
    result = audit_with_ledger(second, [first], RULES, table=table)
    (exposure,) = result.exposures
    assert exposure.atom == (("C",),) and exposure.upper == 4.0 and exposure.releases == ("R1",)


def test_a_release_showing_other_values_is_not_taken_for_the_same_table(monkeypatch):
    table = table_from_leaf_cells({("A",): 30, ("B",): 23, ("C",): 14}, ["school"])
    dims = table.dimensions
    new = Release("R2", "p", dims, {("Total",): 67.0, ("A",): 30.0, ("B",): 23.0, ("C",): 14.0})
    other = Release("R1", "p", dims, {("Total",): 60.0, ("A",): 30.0, ("B",): 23.0, ("C",): 7.0})
    assert ledger._audit_as_one(table, new, [other], RULES, None) is None


def test_releases_whose_cells_are_not_the_tables_own_are_left_to_the_lp():
    table = table_from_leaf_cells({("A",): 30, ("B",): 23, ("C",): 4}, ["school"])
    dims = table.dimensions
    new = Release("R2", "p", dims, {("Total",): 57.0, ("A",): 30.0, ("B",): None, ("C",): None})
    # Codes of another kind (numbers, not the table's strings): nothing may be read as hidden.
    odd = Release("R1", "p", dims, {(1,): 57.0, (2,): None, (3,): 23.0, (4,): None})
    assert ledger._audit_as_one(table, new, [odd], RULES, None) is None


def test_magnitude_tables_are_left_to_the_lp():
    from steward.dataplane.sdc import Table

    counts = table_from_leaf_cells({("A",): 30, ("B",): 23}, ["school"])
    top = np.stack([counts.values * 0.6, counts.values * 0.3], axis=-1)  # two largest each
    magnitude = Table(counts.dimensions, counts.values, freq=counts.values, top=top)
    same = Release("R1", "p", counts.dimensions, {("Total",): 53.0, ("A",): 30.0, ("B",): 23.0})
    again = Release("R2", "p", counts.dimensions, {("Total",): 53.0, ("A",): 30.0, ("B",): 23.0})
    assert magnitude.kind != "frequency"
    assert ledger._audit_as_one(magnitude, again, [same], RULES, None) is None


def test_releases_that_publish_nothing_expose_nothing():
    dim = Dimension.from_parent_map("school", dict.fromkeys(["A", "B"], "North"))
    hidden = {("North",): None, ("A",): None, ("B",): None}
    first, second = Release("R1", "p", (dim,), hidden), Release("R2", "p", (dim,), hidden)
    assert audit_with_ledger(second, [first], RULES).passed
