"""The audit of big tables block by block: what a block's LP reaches is reached in the whole
attacker LP, so the blocks never pass a cell the exact audit fails, and never fail one it
passes (what they leave goes to the LP over the whole component)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.dataplane.sdc import DisclosureRules, attacker, audit, table_from_leaf_cells
from steward.dataplane.sdc.primary import sensitivity

RULES = DisclosureRules()
SIZES = [0, 1, 2, 3, 4, 6, 9, 11, 15, 25, 40]


@st.composite
def school_tables(draw):
    """District > school by grade by group, with small counts, and a suppression pattern: the
    sensitive cells and some others."""
    n_schools = draw(st.integers(3, 6))
    grades, groups = ["3", "4", "5"], ["a", "b", "c"]
    counts = draw(st.lists(st.sampled_from(SIZES), min_size=n_schools * 9, max_size=n_schools * 9))
    cells = {}
    for s in range(n_schools):
        for g, grade in enumerate(grades):
            for k, group in enumerate(groups):
                cells[(f"s{s}", grade, group)] = counts[s * 9 + g * 3 + k]
    parents = {f"s{s}": ("d0" if s < n_schools // 2 else "d1") for s in range(n_schools)}
    table = table_from_leaf_cells(
        cells, ["school", "grade", "group"], {"school": parents | {"d0": "Total", "d1": "Total"}}
    )
    extra = draw(st.lists(st.booleans(), min_size=table.flat_values.size,
                          max_size=table.flat_values.size))  # fmt: skip
    mask = sensitivity(table, RULES).sensitive | np.array(extra)
    return table, mask


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of a few cells, so that every component of these tables is audited in blocks."""
    monkeypatch.setattr(attacker, "LOCAL_COMPONENT", 4)
    monkeypatch.setattr(attacker, "LOCAL_BLOCK", 6)
    calls = []
    original = attacker._local_witnesses
    monkeypatch.setattr(attacker, "_local_witnesses", lambda *a: calls.append(a[1]) or original(*a))
    return calls


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(school_tables())
def test_blocks_reach_only_what_is_reachable_and_give_the_exact_verdict(small_blocks, drawn):
    table, mask = drawn
    small_blocks.clear()
    blocked = audit(table, mask, RULES, exact=False)
    system = attacker.AttackerSystem.build(table.relations, table.flat_values, mask)
    if np.bincount(system.labels).max() > attacker.LOCAL_COMPONENT and blocked.cells:
        assert small_blocks  # the blocks did run
    exact = audit(table, mask, RULES, exact=True)
    assert blocked.passed == exact.passed
    for mine, truth in zip(blocked.cells, exact.cells, strict=True):
        assert mine.cell == truth.cell
        assert mine.passed == truth.passed
        assert mine.lower >= truth.lower - 1e-6
        if truth.upper is not None:
            assert mine.upper is not None and mine.upper <= truth.upper + 1e-6
