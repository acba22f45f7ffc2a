"""Spread moves: every witness point they give is a table the attacker cannot rule out."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.dataplane.sdc import (
    DisclosureRules,
    audit,
    feasible_intervals,
    protect,
    table_from_leaf_cells,
)
from steward.dataplane.sdc.moves import SpreadMoves, box_incidence, leaf_groups
from steward.dataplane.sdc.primary import sensitivity

RULES = DisclosureRules()
PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables_with_hidden_cells(draw):
    """A two- or three-way table (the rows grouped in two levels or not) and a random set of
    hidden cells, margins included."""
    n_rows = draw(st.integers(2, 4))
    n_cols = draw(st.integers(2, 3))
    n_layers = draw(st.sampled_from([1, 2]))
    counts = st.sampled_from([0, 1, 2, 3, 5, 8, 12, 20, 35])
    cells, names = {}, ["row", "col"] + (["layer"] if n_layers > 1 else [])
    for r in range(n_rows):
        for c in range(n_cols):
            for k in range(n_layers):
                codes = (f"r{r}", f"c{c}") + ((f"k{k}",) if n_layers > 1 else ())
                cells[codes] = draw(counts)
    hierarchies = None
    if draw(st.booleans()):
        parents = {f"r{r}": ("g0" if r < n_rows // 2 else "g1") for r in range(n_rows)}
        hierarchies = {"row": parents | {"g0": "Total", "g1": "Total"}}
    table = table_from_leaf_cells(cells, names, hierarchies)
    hidden = np.array(draw(st.lists(st.booleans(), min_size=table.n_cells, max_size=table.n_cells)))
    return table, hidden


def test_the_box_of_each_cell_holds_the_leaves_that_sum_to_it():
    cells = {("A", "3"): 4, ("A", "4"): 5, ("B", "3"): 6, ("B", "4"): 7}
    table = table_from_leaf_cells(cells, ["school", "grade"])
    incidence, leaf_cells = box_incidence(table)
    leaves = table.flat_values[leaf_cells]
    assert np.array_equal(incidence @ leaves, table.flat_values)  # every cell, margins too
    assert sorted(leaves) == [4, 5, 6, 7]


@PROPERTY
@given(tables_with_hidden_cells())
def test_a_move_never_reaches_beyond_what_the_published_cells_allow(case):
    table, hidden = case
    moves = SpreadMoves(table, hidden)
    exact = {cell: (lo, hi) for cell, lo, hi in feasible_intervals(table, hidden)}
    cells = np.array(sorted(exact), dtype=int)
    if cells.size == 0:
        return
    far = table.flat_values[cells] + 1_000.0
    up = moves.reach(cells, far, 1)
    down = moves.reach(cells, np.zeros(cells.size), -1)
    for cell, high, low in zip(cells, up, down, strict=True):
        lo, hi = exact[int(cell)]
        assert high <= (np.inf if hi is None else hi) + 1e-6
        assert low >= lo - 1e-6
        assert low <= table.flat_values[cell] <= high
        # Combinations of moves are points the attacker cannot rule out either.
        mixed_up = moves.combine(int(cell), table.flat_values[cell] + 1_000.0, 1)
        mixed_down = moves.combine(int(cell), 0.0, -1)
        assert table.flat_values[cell] <= mixed_up <= (np.inf if hi is None else hi) + 1e-6
        assert lo - 1e-6 <= mixed_down <= table.flat_values[cell]  # never the wrong way


@PROPERTY
@given(tables_with_hidden_cells())
def test_the_point_a_move_reaches_keeps_every_published_cell_and_no_cell_below_zero(case):
    table, hidden = case
    moves = SpreadMoves(table, hidden)
    values = table.flat_values
    for cell in np.flatnonzero(hidden):
        point = moves.point(int(cell), values[cell] + 10.0)
        if point is None:
            continue
        assert np.allclose(point[~hidden], values[~hidden], atol=1e-7)
        assert point.min() >= -1e-7
        assert point[cell] > values[cell]
        # The point is a table: its margins are the sums of its leaves.
        assert np.abs(table.relations @ point).max() <= 1e-7


@PROPERTY
@given(tables_with_hidden_cells())
def test_a_move_kept_inside_a_group_of_leaves_keeps_every_published_cell(case):
    table, hidden = case
    incidence = box_incidence(table)
    groups = leaf_groups(table, incidence[1])
    if groups is None:
        return
    values = table.flat_values
    exact = {cell: (lo, hi) for cell, lo, hi in feasible_intervals(table, hidden)}
    for group in np.unique(groups):
        block = SpreadMoves(table, hidden, block=groups == group, incidence=incidence)
        # A cell with no leaf in the group keeps its value: the move stays inside.
        untouched = np.asarray(incidence[0][:, groups == group].sum(axis=1)).ravel() == 0
        for cell in np.flatnonzero(hidden):
            point = block.point(int(cell), values[cell] + 10.0)
            if point is None:
                continue
            assert np.allclose(point[untouched], values[untouched], atol=1e-9)
            assert np.allclose(point[~hidden], values[~hidden], atol=1e-7)
            assert point.min() >= -1e-7
            assert np.abs(table.relations @ point).max() <= 1e-7
            hi = exact[int(cell)][1]
            assert point[cell] <= (np.inf if hi is None else hi) + 1e-6


def test_leaves_are_grouped_by_the_level_just_below_the_total():
    cells = {(f"S{s}", g): 5 for s in range(6) for g in ("3", "4")}
    parents = {f"S{s}": f"D{s // 2}" for s in range(6)} | {f"D{d}": "State" for d in range(3)}
    table = table_from_leaf_cells(cells, ["school", "grade"], {"school": parents})
    _, leaf_cells = box_incidence(table)
    groups = leaf_groups(table, leaf_cells)
    district = {table.cell_codes(int(c))[0]: g for c, g in zip(leaf_cells, groups, strict=True)}
    assert district["S0"] == district["S1"] != district["S2"] == district["S3"] != district["S4"]
    flat = table_from_leaf_cells(cells, ["school", "grade"])  # no level between total and leaves
    assert leaf_groups(flat, box_incidence(flat)[1]) is None


def test_a_small_cell_beside_a_published_total_cannot_move_but_its_protection_can():
    cells = {("A", "3"): 40, ("A", "4"): 35, ("B", "3"): 22, ("B", "4"): 3}
    table = table_from_leaf_cells(cells, ["school", "grade"])
    small = table.flat_index(("B", "4"))
    primary = sensitivity(table, RULES).sensitive
    alone = SpreadMoves(table, primary)
    assert alone.point(small, RULES.threshold) is None
    assert alone.reach(np.array([small]), np.array([10.0]), 1)[0] == 3.0

    protected = protect(table, RULES).suppressed
    point = SpreadMoves(table, protected).point(small, RULES.threshold)
    assert point is not None and point[small] >= RULES.threshold - 1e-9


def test_a_large_audit_reaches_the_same_verdict_as_the_exact_one():
    # 12 schools in 3 districts x 6 grades x 3 groups, hidden by the baseline (whose patterns
    # often fail): the audit that starts from spread moves must give every cell the exact
    # audit's verdict, and never a wider interval.
    rng = np.random.default_rng(5)
    cells = {
        (f"S{s}", f"G{g}", grp): int(rng.choice([0, 1, 2, 4, 7, 15, 30]))
        for s in range(12) for g in range(6) for grp in ("x", "y", "z")
    }  # fmt: skip
    parents = {f"S{s}": f"D{s % 3}" for s in range(12)} | {f"D{d}": "Total" for d in range(3)}
    table = table_from_leaf_cells(cells, ["school", "grade", "group"], {"school": parents})
    hidden = protect(table, RULES, method="baseline").suppressed
    assert hidden.sum() > 100
    fast = audit(table, hidden, RULES, exact=False)
    exact = audit(table, hidden, RULES, exact=True)
    assert [c.passed for c in fast.cells] == [c.passed for c in exact.cells]
    assert not exact.passed and any(c.passed for c in exact.cells)  # both verdicts occur
    for quick, slow in zip(fast.cells, exact.cells, strict=True):
        assert quick.upper is None or slow.upper is None or quick.upper <= slow.upper + 1e-6


def test_the_factor_built_group_by_group_gives_the_moves_of_the_whole_one():
    # 10 schools in 2 districts: the published district and total margins span schools, the
    # rest lie inside one district; both factors must give the same moves and reach.
    rng = np.random.default_rng(11)
    cells = {
        (f"S{s}", f"G{g}", grp): int(rng.choice([0, 1, 2, 4, 7, 15, 30]))
        for s in range(10) for g in range(5) for grp in ("x", "y", "z")
    }  # fmt: skip
    parents = {f"S{s}": f"D{s % 2}" for s in range(10)} | {"D0": "Total", "D1": "Total"}
    table = table_from_leaf_cells(cells, ["school", "grade", "group"], {"school": parents})
    hidden = protect(table, RULES, method="baseline").suppressed
    incidence = box_incidence(table)
    whole = SpreadMoves(table, hidden, incidence=incidence)
    grouped = SpreadMoves(
        table, hidden, incidence=incidence, groups=leaf_groups(table, incidence[1])
    )
    assert type(grouped.solver).__name__ == "_GroupedInverse"
    assert grouped.solver.schur_inverse.shape[0] > 0  # some boxes do span the districts
    targets = np.flatnonzero(hidden)
    need = table.flat_values[targets] + 10.0
    up = whole.reach(targets, need, 1)
    assert np.allclose(grouped.reach(targets, need, 1), up)
    assert (up > table.flat_values[targets]).any()  # the moves did certify something
    for cell in targets[:20]:
        far = table.flat_values[cell] + 10.0
        a, b = whole.point(int(cell), far), grouped.point(int(cell), far)
        assert (a is None) == (b is None)
        assert a is None or np.allclose(a, b, atol=1e-8)
