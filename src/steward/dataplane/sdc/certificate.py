"""Audit certificates: the public form that may leave with a table, the full form kept inside,
and their verification against the table.

The public form lists every hidden cell with the interval the published cells imply and
whether it meets its protection, and nothing that depends on a hidden value: no protection
levels (centred on the value), no reasons (a "zero" is the value; naming the sensitive cells
says which are small), no total hidden, and no hash of the values (with the intervals, few
candidate tables remain, and hashing each of them would find the true one).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .attacker import AttackerSystem
from .audit import AuditResult, CellAudit, audit, feasible_intervals
from .rules import DisclosureRules
from .table import Table

CERTIFICATE_VERSION = 1
PUBLIC = "public"
SUMMARY = "summary"
INTERVAL_TOLERANCE = 1e-4
# Hidden cells that depend on one another (one connected block) up to which the public form
# gives every exact interval: two LPs a cell over the block, about 23 s for 2,600 cells and
# 150 s for 4,500; a state table's block of 93,000 would take days.
INTERVAL_BLOCK = 3_000


def structure_sha256(table: Table) -> str:
    """A SHA-256 over the classifications only (names, codes, nesting), never the values."""
    digest = hashlib.sha256()
    for dim in table.dimensions:
        digest.update(repr((dim.name, dim.codes, dim.parents)).encode())
    return digest.hexdigest()


def make_certificate(
    table: Table,
    suppressed: np.ndarray,
    rules: DisclosureRules,
    method: str,
    issued_at: str,
    result: AuditResult | None = None,
) -> dict[str, Any]:
    """The full record of the audit, for internal use only: it holds hidden cells' values."""
    suppressed = np.asarray(suppressed, dtype=bool).reshape(-1)
    result = result or audit(table, suppressed, rules)
    return {
        **_header(table, suppressed, rules, method, issued_at, result),
        "table": {**_table_entry(table), "sha256": table.fingerprint},
        "value_suppressed": float(table.flat_values[suppressed].sum()),
        "cells": [_cell_entry(c) for c in result.cells],
    }


def make_public_certificate(
    table: Table,
    suppressed: np.ndarray,
    rules: DisclosureRules,
    method: str,
    issued_at: str,
    result: AuditResult | None = None,
) -> dict[str, Any]:
    """The certificate that may be published: every hidden cell, its interval, pass or fail."""
    suppressed = np.asarray(suppressed, dtype=bool).reshape(-1)
    result = result or audit(table, suppressed, rules)
    passed = {c.cell: c.passed for c in result.cells}
    return {
        **_header(table, suppressed, rules, method, issued_at, result),
        "form": PUBLIC,
        "table": {**_table_entry(table), "structure_sha256": structure_sha256(table)},
        "cells": [
            {
                "codes": list(table.cell_codes(cell)),
                "interval": [lo, hi],
                "passed": passed.get(cell, True),
            }
            for cell, lo, hi in feasible_intervals(table, suppressed)
        ],
    }


def make_summary_certificate(
    table: Table,
    suppressed: np.ndarray,
    rules: DisclosureRules,
    method: str,
    issued_at: str,
    result: AuditResult | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The public certificate without the hidden cells' intervals: which cells are hidden, under
    which rules, and whether the audit passed. For tables seen inside (reports), where nobody
    reads the intervals and computing them (two LPs per hidden cell) costs most of the time,
    and for tables too large for exact intervals (`largest_hidden_block`); ``note`` says why."""
    suppressed = np.asarray(suppressed, dtype=bool).reshape(-1)
    result = result or audit(table, suppressed, rules)
    return {
        **_header(table, suppressed, rules, method, issued_at, result),
        "form": SUMMARY,
        "table": {
            **_table_entry(table),
            "structure_sha256": structure_sha256(table),
            "published_sha256": published_sha256(table, suppressed),
        },
        **({"note": note} if note else {}),
    }


def published_sha256(table: Table, suppressed: np.ndarray) -> str:
    """A SHA-256 over the published cells only (what anyone reading the table sees), so a
    summary is tied to the values it was issued for without saying anything about the hidden
    ones."""
    shown = np.flatnonzero(~np.asarray(suppressed, dtype=bool).reshape(-1))
    digest = hashlib.sha256(shown.astype("<i8").tobytes())
    digest.update(np.asarray(table.flat_values, dtype="<f8")[shown].tobytes())
    return digest.hexdigest()


def largest_hidden_block(table: Table, suppressed: np.ndarray) -> int:
    """The most hidden cells that depend on one another (linked through the relations): the
    size of the LPs that exact intervals need."""
    suppressed = np.asarray(suppressed, dtype=bool).reshape(-1)
    if not suppressed.any():
        return 0
    system = AttackerSystem.build(table.relations, table.flat_values, suppressed)
    return int(np.bincount(system.labels).max())


def intervals_note(table: Table, suppressed: np.ndarray) -> str | None:
    """Why the public form cannot list exact intervals for this pattern, or None when it can."""
    block = largest_hidden_block(table, suppressed)
    if block <= INTERVAL_BLOCK:
        return None
    return (
        f"{block:,} hidden cells depend on one another, more than the {INTERVAL_BLOCK:,} for "
        "which exact intervals are computed"
    )


def _header(table, suppressed, rules, method, issued_at, result) -> dict[str, Any]:
    return {
        "version": CERTIFICATE_VERSION,
        "issued_at": issued_at,
        "method": method,
        "rules": rules.to_dict(),
        "suppressed": [list(table.cell_codes(int(c))) for c in np.flatnonzero(suppressed)],
        "n_suppressed": int(suppressed.sum()),
        "passed": result.passed,
        "audit_complete": result.complete,
    }


def _table_entry(table: Table) -> dict[str, Any]:
    return {
        "kind": table.kind,
        "dimensions": [d.name for d in table.dimensions],
        "n_cells": table.n_cells,
    }


def _cell_entry(c: CellAudit) -> dict[str, Any]:
    return {
        "codes": list(c.codes),
        "reason": c.reason,
        "published": c.published,
        "interval": [c.lower, c.upper],
        "required": [c.required_lower, c.required_upper],
        "exact": c.exact,
        "passed": c.passed,
    }


@dataclass(frozen=True)
class Verification:
    """Whether a certificate still holds for a table, and what does not."""

    ok: bool
    problems: tuple[str, ...]


def verify_certificate(table: Table, certificate: dict[str, Any]) -> Verification:
    """Re-run the audit for the certificate's suppressions and compare with what it claims."""
    if certificate.get("version") != CERTIFICATE_VERSION:
        return Verification(False, ("unknown certificate version",))
    public = certificate.get("form") in (PUBLIC, SUMMARY)
    problems: list[str] = []
    if public and certificate["table"].get("structure_sha256") != structure_sha256(table):
        problems.append("the table's classifications differ from the ones certified")
    if not public and certificate["table"].get("sha256") != table.fingerprint:
        problems.append("the table differs from the one certified (sha256 mismatch)")
    rules = DisclosureRules.from_mapping(certificate["rules"])
    mask = np.zeros(table.n_cells, dtype=bool)
    try:
        for codes in certificate["suppressed"]:
            mask[table.flat_index(codes)] = True
    except (KeyError, ValueError):
        return Verification(False, (*problems, "a suppressed cell is not in the table"))
    result = audit(table, mask, rules)
    if not result.passed:
        problems.append(f"{len(result.failures)} sensitive cell(s) fail the audit")
    if bool(certificate["passed"]) != result.passed:
        problems.append("the certificate's pass/fail does not match the audit")
    if certificate.get("form") == SUMMARY:  # a summary claims no intervals
        if "cells" in certificate:
            problems.append("a summary certificate lists cells it does not certify")
        if certificate["table"].get("published_sha256") != published_sha256(table, mask):
            problems.append("the published cells differ from the ones certified")
    else:
        check = _check_public if public else _check_full
        problems += check(table, mask, result, certificate["cells"])
    return Verification(not problems, tuple(dict.fromkeys(problems)))


def _check_full(table, mask, result: AuditResult, entries: list) -> list[str]:
    problems = []
    claimed = {tuple(c["codes"]): c for c in entries}
    for cell in result.cells:
        entry = claimed.get(cell.codes)
        if entry is None:
            problems.append("a sensitive cell is missing from the certificate")
        elif entry["passed"] and not cell.passed:
            problems.append("a cell the certificate passes fails the audit")
        elif not _interval_plausible(entry["interval"], cell):
            problems.append("a certified interval is wider than the attacker LP allows")
    return problems


def _check_public(table, mask, result: AuditResult, entries: list) -> list[str]:
    # The intervals are exact and depend on the published cells alone, so they must match.
    problems = []
    claimed = {tuple(c["codes"]): c for c in entries}
    failing = {c.cell for c in result.cells if not c.passed}
    intervals = feasible_intervals(table, mask)
    if set(claimed) != {table.cell_codes(cell) for cell, _, _ in intervals}:
        problems.append("the certificate's cells are not exactly the hidden cells")
    for cell, lo, hi in intervals:
        entry = claimed.get(table.cell_codes(cell))
        if entry is None:
            continue
        if entry["passed"] and cell in failing:
            problems.append("a cell the certificate passes fails the audit")
        if not _same_interval(entry["interval"], (lo, hi)):
            problems.append("a certified interval differs from what the published cells imply")
    return problems


def _same_interval(claimed: list, exact: tuple[float, float | None]) -> bool:
    (lo, hi), (true_lo, true_hi) = claimed, exact
    if (hi is None) != (true_hi is None):
        return False
    return abs(lo - true_lo) <= INTERVAL_TOLERANCE and (
        hi is None or abs(hi - true_hi) <= INTERVAL_TOLERANCE
    )


def _interval_plausible(interval: list, cell: CellAudit) -> bool:
    # Claimed intervals are attained points, so they must lie inside the exact interval.
    if not cell.exact:
        return True
    lo, hi = interval
    lo_ok = lo >= cell.lower - 1e-4
    hi_ok = cell.upper is None or (hi is not None and hi <= cell.upper + 1e-4)
    return lo_ok and hi_ok and not (isinstance(hi, float) and math.isnan(hi))
