"""The audit: attacker LPs over what is published, independent of how suppressions were chosen."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .attacker import TOLERANCE, AttackerSystem, witness_bounds
from .moves import reach_by_moves
from .primary import sensitivity
from .rules import DisclosureRules
from .table import Table

EXACT_AUDIT_LIMIT = 400  # suppressed cells up to which every interval is computed exactly
LP_BLOCK = 5_000  # hidden cells in a component beyond which an LP per cell is slow (seconds)


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
    start = None
    if not exact and cells_hidden.size and (deadline is None or time.monotonic() < deadline):
        # Spread moves certify most cells of a large hidden block in seconds; the LPs take
        # only the cells they leave short.
        sizes = np.bincount(system.labels)[system.labels[sensitive_hidden]]
        start = reach_by_moves(
            table, suppressed, cells_hidden, need_hi, need_lo, deadline, sizes > LP_BLOCK
        )
    bounds = witness_bounds(system, sensitive_hidden, need_hi, need_lo, exact, deadline, start)
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


def seconds_left(deadline: float | None) -> float | None:
    """What remains of a ``time.monotonic()`` deadline, as the ``time_budget`` of `audit`."""
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


def _clean(x: float) -> float:
    rounded = round(float(x), 6)
    return 0.0 if rounded == 0 else rounded


def feasible_intervals(
    table: Table, suppressed: np.ndarray
) -> list[tuple[int, float, float | None]]:
    """Every hidden cell's exact interval, ``(cell, lowest, highest)``, from the published cells.

    Only the published cells and the relations enter the LPs, so the bounds say nothing the
    published table does not already imply; ``None`` means no upper bound at all.
    """
    suppressed = np.asarray(suppressed, dtype=bool).reshape(-1)
    system = AttackerSystem.build(table.relations, table.flat_values, suppressed)
    n = system.suppressed.size
    # Every cell lies in [0, bound]: a feasible point that reaches 0 (or the bound) proves that
    # extreme exactly, so one LP pushing many cells at once settles many intervals; each cell
    # no such point settles gets its own LP, whose optimum is exact.
    bounds = witness_bounds(system, np.arange(n), np.full(n, system.bound), np.zeros(n))
    hi, lo = bounds.hi, bounds.lo
    return [
        (int(cell), _clean(lo[i]), None if hi[i] >= system.bound - TOLERANCE else _clean(hi[i]))
        for i, cell in enumerate(system.suppressed)
    ]
