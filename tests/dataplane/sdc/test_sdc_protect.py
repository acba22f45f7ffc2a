from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.dataplane.sdc import (
    DisclosureRules,
    audit,
    build_table,
    display_values,
    feasible_intervals,
    protect,
    table_from_leaf_cells,
    verify_certificate,
)
from steward.dataplane.sdc.certificate import make_public_certificate
from steward.dataplane.sdc.primary import sensitivity

RULES = DisclosureRules()
ISSUED = "2026-11-28T12:00:00+00:00"


def small_cell_beside_a_published_total():
    # District D: schools A and B by grade 3 and 4; only (B, 4) = 3 is below the threshold.
    cells = {("A", "3"): 40, ("A", "4"): 35, ("B", "3"): 22, ("B", "4"): 3}
    return table_from_leaf_cells(cells, ["school", "grade"])


def test_primary_suppression_alone_is_undone_by_the_totals_but_protection_holds():
    table = small_cell_beside_a_published_total()
    primary = sensitivity(table, RULES).sensitive
    assert primary.sum() == 1
    exposed = audit(table, primary, RULES)
    (cell,) = exposed.cells
    assert cell.codes == ("B", "4")
    assert cell.exact and cell.lower == cell.upper == 3.0
    assert not exposed.passed

    protected = protect(table, RULES)
    assert protected.audit.passed
    (cell,) = protected.audit.cells
    assert cell.upper is None or cell.upper >= RULES.threshold
    assert protected.n_suppressed == 4  # the smallest rectangle around the cell


@st.composite
def small_tables(draw):
    n_rows = draw(st.integers(2, 4))
    n_cols = draw(st.integers(2, 4))
    grouped = draw(st.booleans()) and n_rows >= 3
    counts = draw(
        st.lists(
            st.sampled_from([0, 1, 2, 3, 5, 8, 12, 20, 35, 60]),
            min_size=n_rows * n_cols,
            max_size=n_rows * n_cols,
        )
    )
    cells = {
        (f"r{r}", f"c{c}"): counts[r * n_cols + c] for r in range(n_rows) for c in range(n_cols)
    }
    hierarchies = None
    if grouped:
        parents = {f"r{r}": ("g0" if r < n_rows // 2 else "g1") for r in range(n_rows)}
        hierarchies = {"row": parents | {"g0": "Total", "g1": "Total"}}
    return table_from_leaf_cells(cells, ["row", "col"], hierarchies)


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(small_tables(), st.sampled_from(["exact", "heuristic"]))
def test_a_protected_table_shows_no_sensitive_cell_and_passes_the_exact_audit(table, method):
    result = protect(table, RULES, method=method)
    values = table.flat_values
    published = values[~result.suppressed]
    assert not np.any((published > 0) & (published < RULES.threshold))
    assert not np.any(published == 0)  # zeros are disclosive by default
    exact = audit(table, result.suppressed, RULES, exact=True)
    assert exact.passed
    for cell in exact.cells:
        assert cell.upper is None or cell.upper >= cell.required_upper - 1e-6


@PROPERTY
@given(small_tables())
def test_protecting_a_protected_table_again_changes_nothing(table):
    first = protect(table, RULES)
    again = protect(table, RULES, suppressed=first.suppressed)
    assert np.array_equal(first.suppressed, again.suppressed)


@PROPERTY
@given(small_tables())
def test_the_exact_method_never_hides_more_cells_than_the_heuristic(table):
    exact = protect(table, RULES, method="exact")
    heuristic = protect(table, RULES, method="heuristic")
    assert exact.n_suppressed <= heuristic.n_suppressed


def test_an_audit_out_of_time_fails_the_table_and_says_so_in_its_certificate():
    cells = {(s, g): 3 + (7 * i + 3 * j) % 20 for i, s in enumerate("ABCDE") for j, g in
             enumerate("3456")}  # fmt: skip
    table = table_from_leaf_cells(cells, ["school", "grade"])
    for method in ("heuristic", "exact"):
        timely = protect(table, RULES, method=method)
        assert timely.audit.complete and timely.audit.passed
        late = protect(table, RULES, method=method, audit_seconds=0)
        assert not late.audit.complete and not late.audit.passed
        certificate = late.certificate(ISSUED)
        assert certificate["audit_complete"] is False and certificate["passed"] is False
        assert not (late.primary & ~late.suppressed).any()  # still hides every small cell
        if method == "exact":  # the MILP's choice does not wait on the audit: only the verdict
            assert np.array_equal(late.suppressed, timely.suppressed)


def test_the_full_certificate_is_json_and_verifies_against_its_exact_table():
    table = small_cell_beside_a_published_total()
    result = protect(table, RULES)
    certificate = json.loads(json.dumps(result.certificate(ISSUED, public=False)))
    assert certificate["issued_at"] == ISSUED and certificate["passed"]
    assert verify_certificate(table, certificate).ok
    changed = table_from_leaf_cells(
        {("A", "3"): 40, ("A", "4"): 35, ("B", "3"): 22, ("B", "4"): 4}, ["school", "grade"]
    )
    check = verify_certificate(changed, certificate)
    assert not check.ok
    assert any("sha256" in p for p in check.problems)


def test_a_certificate_with_a_cell_unsuppressed_fails_verification():
    table = small_cell_beside_a_published_total()
    for public in (True, False):
        certificate = protect(table, RULES).certificate(ISSUED, public=public)
        certificate["suppressed"] = certificate["suppressed"][:1]
        assert not verify_certificate(table, certificate).ok


def test_the_public_certificate_verifies_and_a_table_with_other_published_cells_does_not():
    table = small_cell_beside_a_published_total()
    certificate = json.loads(json.dumps(protect(table, RULES).certificate(ISSUED)))
    assert certificate["form"] == "public" and certificate["passed"]
    assert verify_certificate(table, certificate).ok
    changed = table_from_leaf_cells(
        {("A", "3"): 40, ("A", "4"): 35, ("B", "3"): 22, ("B", "4"): 4}, ["school", "grade"]
    )
    check = verify_certificate(changed, certificate)
    assert not check.ok
    assert "a certified interval differs from what the published cells imply" in check.problems


def test_the_public_certificate_is_the_same_for_every_table_behind_the_same_published_cells():
    # Moving one unit around the hidden rectangle keeps every total: an attacker cannot tell
    # the two tables apart from what is published, and the certificate must not either.
    table = small_cell_beside_a_published_total()
    other = table_from_leaf_cells(
        {("A", "3"): 41, ("A", "4"): 34, ("B", "3"): 21, ("B", "4"): 4}, ["school", "grade"]
    )
    hidden = protect(table, RULES).suppressed
    assert not np.array_equal(table.flat_values[hidden], other.flat_values[hidden])
    first = make_public_certificate(table, hidden, RULES, "exact", ISSUED)
    second = make_public_certificate(other, hidden, RULES, "exact", ISSUED)
    assert first == second and first["passed"]
    assert verify_certificate(other, first).ok


@PROPERTY
@given(small_tables(), st.sampled_from(["exact", "heuristic"]))
def test_the_public_certificate_lists_every_hidden_cell_with_its_interval_and_nothing_else(
    table, method
):
    result = protect(table, RULES, method=method)
    certificate = json.loads(json.dumps(result.certificate(ISSUED)))
    hidden = {table.cell_codes(int(c)) for c in np.flatnonzero(result.suppressed)}
    assert {tuple(c["codes"]) for c in certificate["cells"]} == hidden
    assert len(certificate["cells"]) == len(hidden)
    assert all(set(c) == {"codes", "interval", "passed"} for c in certificate["cells"])
    assert "value_suppressed" not in certificate and "sha256" not in certificate["table"]
    assert "required" not in json.dumps(certificate) and "reason" not in json.dumps(certificate)
    # Each bound is what the published cells imply: the attacker's own LP gives the same.
    implied = {
        table.cell_codes(cell): [lo, hi]
        for cell, lo, hi in feasible_intervals(table, result.suppressed)
    }
    assert all(implied[tuple(c["codes"])] == c["interval"] for c in certificate["cells"])
    assert verify_certificate(table, certificate).ok


def test_dominated_magnitude_cells_are_suppressed_and_protected():
    rng = np.random.default_rng(3)
    district = np.repeat(["D1", "D2", "D3"], 30)
    program = np.tile(["a", "b"], 45)
    dollars = rng.uniform(10, 20, 90)
    dollars[0] = 5000.0  # one dominant contributor in (D1, a)
    table = build_table({"district": district, "program": program}, magnitude=dollars)
    sens = sensitivity(table, RULES)
    assert sens.reasons[table.flat_index(["D1", "a"])] == "dominance,p%"
    result = protect(table, RULES)
    assert result.suppressed[table.flat_index(["D1", "a"])]
    assert result.audit.passed


def test_value_cost_prefers_hiding_small_cells_over_large_ones():
    cells = {("A", "x"): 3, ("A", "y"): 200, ("A", "z"): 15, ("B", "x"): 180}
    cells |= {("B", "y"): 150, ("B", "z"): 14, ("C", "x"): 90, ("C", "y"): 95, ("C", "z"): 16}
    table = table_from_leaf_cells(cells, ["row", "col"])
    by_cells = protect(table, RULES, method="exact", cost="cells")
    by_value = protect(table, RULES, method="exact", cost="value")
    assert by_value.value_suppressed <= by_cells.value_suppressed
    assert by_value.audit.passed


def test_publication_rounds_counts_codes_rates_and_hides_suppressed_cells():
    table = table_from_leaf_cells({("A",): 12, ("B",): 96, ("C",): 3}, ["school"])
    result = protect(table, RULES)
    names = [table.cell_codes(i)[0] for i in range(table.n_cells)]
    shown = dict(zip(names, display_values(result), strict=True))
    assert shown["A"] == "*" and shown["C"] == "*"  # C is small; A hides it from the total
    assert shown["B"] == "95" and shown["Total"] == "110"
    enrolled = table_from_leaf_cells({("A",): 30, ("B",): 100, ("C",): 40}, ["school"])
    rates = dict(zip(names, display_values(result, denominators=enrolled), strict=True))
    assert rates["B"] == ">=95%"
    assert rates["Total"] == "65%"


def test_a_pattern_too_large_for_exact_intervals_is_certified_without_them(monkeypatch):
    from steward.dataplane.sdc import certificate as certificates

    cells = {(s, g): 3 + (7 * i + 3 * j) % 20 for i, s in enumerate("ABCDE") for j, g in
             enumerate("3456")}  # fmt: skip
    table = table_from_leaf_cells(cells, ["school", "grade"])
    result = protect(table, RULES)
    block = certificates.largest_hidden_block(table, result.suppressed)
    assert 1 < block <= result.n_suppressed
    assert "cells" in result.certificate(ISSUED)  # small enough: every exact interval

    monkeypatch.setattr(certificates, "INTERVAL_BLOCK", block - 1)
    certificate = json.loads(json.dumps(result.certificate(ISSUED)))
    assert certificate["form"] == "summary" and "cells" not in certificate
    assert f"{block:,} hidden cells depend on one another" in certificate["note"]
    assert certificate["passed"] and len(certificate["suppressed"]) == result.n_suppressed
    assert verify_certificate(table, certificate).ok
    certificate["suppressed"] = certificate["suppressed"][:1]  # a summary still answers for these
    assert not verify_certificate(table, certificate).ok


def test_a_summary_certificate_holds_only_for_the_published_cells_it_was_issued_for():
    cells = {(s, g): 3 + (7 * i + 3 * j) % 20 for i, s in enumerate("ABCDE") for j, g in
             enumerate("3456")}  # fmt: skip
    table = table_from_leaf_cells(cells, ["school", "grade"])
    result = protect(table, RULES)
    summary = json.loads(json.dumps(result.certificate(ISSUED, intervals=False)))
    assert verify_certificate(table, summary).ok
    # Intervals smuggled into a summary are not certified by it: refused.
    public = result.certificate(ISSUED)
    forged = {**summary, "cells": [{**c, "interval": [0, 1e9]} for c in public["cells"]]}
    assert not verify_certificate(table, forged).ok
    # Another table of the same classifications, one published cell different: refused.
    shown = next(codes for codes in cells if not result.suppressed[table.flat_index(codes)])
    other = table_from_leaf_cells({**cells, shown: cells[shown] + 7}, ["school", "grade"])
    check = verify_certificate(other, summary)
    assert not check.ok and "the published cells differ" in "; ".join(check.problems)
