"""The audit: attacker LPs over what is published, independent of how suppressions were chosen."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .attacker import TOLERANCE, AttackerSystem, witness_bounds
from .primary import sensitivity
from .rules import DisclosureRules
from .table import Table

CERTIFICATE_VERSION = 1
EXACT_AUDIT_LIMIT = 400  # suppressed cells up to which every interval is computed exactly


@dataclass(frozen=True)
class CellAudit:
    """One sensitive cell: its interval as the attacker sees it, and what protection requires.

    ``lower``/``upper`` are values the attacker cannot rule out (exact when ``exact``; otherwise
    the true interval is at least this wide); ``upper`` is None when the attacker has no bound.
    """

    cell: int
    codes: tuple[str, ...]
    reason: str
    lower: float
    upper: float | None
    required_lower: float
    required_upper: float
    exact: bool
    published: bool

    @property
    def passed(self) -> bool:
        if self.published:
            return False
        reaches_up = self.upper is None or self.upper >= self.required_upper - TOLERANCE
        return reaches_up and self.lower <= self.required_lower + TOLERANCE


@dataclass(frozen=True)
class AuditResult:
    """Every sensitive cell's audit; the table passes when each of them does."""

    cells: tuple[CellAudit, ...]
    n_suppressed: int
    complete: bool = True

    @property
    def passed(self) -> bool:
        return self.complete and all(c.passed for c in self.cells)

    @property
    def failures(self) -> tuple[CellAudit, ...]:
        return tuple(c for c in self.cells if not c.passed)


def audit(
    table: Table,
    suppressed: np.ndarray,
    rules: DisclosureRules,
    exact: bool | None = None,
    time_budget: float | None = None,
) -> AuditResult:
    """Check by LP that no sensitive cell can be narrowed below its protection from what is shown.

    ``suppressed`` is a boolean mask in flat cell order. ``exact`` (default: when at most
    ``EXACT_AUDIT_LIMIT`` cells are suppressed) computes every interval exactly. With a
    ``time_budget`` (seconds) the audit may stop early: cells it did not reach then fail, and
    the result says it is incomplete.
    """
    deadline = None if time_budget is None else time.monotonic() + time_budget
    suppressed = np.asarray(suppressed, dtype=bool).reshape(-1)
    sens = sensitivity(table, rules)
    values = table.flat_values
    if exact is None:
        exact = int(suppressed.sum()) <= EXACT_AUDIT_LIMIT
    system = AttackerSystem.build(table.relations, values, suppressed)
    sensitive_hidden = np.flatnonzero(sens.sensitive[system.suppressed])
    cells_hidden = system.suppressed[sensitive_hidden]
    need_hi = values[cells_hidden] + sens.upper[cells_hidden]
    need_lo = values[cells_hidden] - sens.lower[cells_hidden]
    bounds = witness_bounds(system, sensitive_hidden, need_hi, need_lo, exact, deadline)
    audits = [
        CellAudit(
            cell=int(cell),
            codes=table.cell_codes(int(cell)),
            reason=sens.reasons[cell],
            lower=_clean(bounds.lo[i]),
            upper=None if bounds.hi[i] >= system.bound - TOLERANCE else _clean(bounds.hi[i]),
            required_lower=_clean(need_lo[i]),
            required_upper=_clean(need_hi[i]),
            exact=bool(bounds.exact_hi[i] and bounds.exact_lo[i]),
            published=False,
        )
        for i, cell in enumerate(cells_hidden)
    ]
    for cell in np.flatnonzero(sens.sensitive & ~suppressed):
        v = float(values[cell])
        audits.append(
            CellAudit(
                int(cell), table.cell_codes(int(cell)), sens.reasons[cell], v, v,
                _clean(v - sens.lower[cell]), _clean(v + sens.upper[cell]), True, True,
            )
        )  # fmt: skip
    cells = tuple(sorted(audits, key=lambda c: c.cell))
    return AuditResult(cells, int(suppressed.sum()), bounds.complete)


def _clean(x: float) -> float:
    rounded = round(float(x), 6)
    return 0.0 if rounded == 0 else rounded


def make_certificate(
    table: Table,
    suppressed: np.ndarray,
    rules: DisclosureRules,
    method: str,
    issued_at: str,
    result: AuditResult | None = None,
) -> dict[str, Any]:
    """A JSON-serializable record that this suppression pattern was audited, and how it fared."""
    suppressed = np.asarray(suppressed, dtype=bool).reshape(-1)
    result = result or audit(table, suppressed, rules)
    return {
        "version": CERTIFICATE_VERSION,
        "issued_at": issued_at,
        "method": method,
        "table": {
            "sha256": table.fingerprint,
            "kind": table.kind,
            "dimensions": [d.name for d in table.dimensions],
            "n_cells": table.n_cells,
        },
        "rules": rules.to_dict(),
        "suppressed": [list(table.cell_codes(int(c))) for c in np.flatnonzero(suppressed)],
        "n_suppressed": int(suppressed.sum()),
        "value_suppressed": float(table.flat_values[suppressed].sum()),
        "passed": result.passed,
        "audit_complete": result.complete,
        "cells": [_cell_entry(c) for c in result.cells],
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
    problems: list[str] = []
    if certificate.get("version") != CERTIFICATE_VERSION:
        return Verification(False, ("unknown certificate version",))
    if certificate["table"]["sha256"] != table.fingerprint:
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
    claimed = {tuple(c["codes"]): c for c in certificate["cells"]}
    for cell in result.cells:
        entry = claimed.get(cell.codes)
        if entry is None:
            problems.append("a sensitive cell is missing from the certificate")
        elif entry["passed"] and not cell.passed:
            problems.append("a cell the certificate passes fails the audit")
        elif not _interval_plausible(entry["interval"], cell):
            problems.append("a certified interval is wider than the attacker LP allows")
    return Verification(not problems, tuple(problems))


def _interval_plausible(interval: list, cell: CellAudit) -> bool:
    # Claimed intervals are attained points, so they must lie inside the exact interval.
    if not cell.exact:
        return True
    lo, hi = interval
    lo_ok = lo >= cell.lower - 1e-4
    hi_ok = cell.upper is None or (hi is not None and hi <= cell.upper + 1e-4)
    return lo_ok and hi_ok and not (isinstance(hi, float) and math.isnan(hi))
