"""Fast complementary suppression for large tables: line-wise protection, then LP-guided repair.

Each sensitive cell must be able to move by its protection level within every line (a total
and its children along one dimension) that holds it; the cells it leans on must in turn be able
to move, so requirements propagate until every line balances. The LP audit then finds what
line-wise reasoning misses, and each failure's dual cut says which extra cell helps most.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .attacker import TOLERANCE, AttackerSystem, attacker_bound, cut_coefficients, exact_extreme
from .audit import AuditResult, audit, seconds_left
from .primary import Sensitivity
from .rules import DisclosureRules
from .table import Table

MAX_REPAIR_ROUNDS = 60
PRUNE_LIMIT = 200  # hidden cells up to which each complementary one is tried for removal


@dataclass
class _Lines:
    """The table's lines: for each relation row its cells and their signs; and the reverse."""

    indptr: np.ndarray
    cells: np.ndarray
    signs: np.ndarray
    of_cell: sparse.csr_matrix  # cells x lines

    @classmethod
    def of(cls, relations: sparse.csr_matrix) -> _Lines:
        rel = relations.tocsr()
        rel.sort_indices()
        return cls(rel.indptr, rel.indices, rel.data, rel.T.tocsr())

    def line(self, r: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.indptr[r], self.indptr[r + 1]
        return self.cells[start:end], self.signs[start:end]

    def lines_of(self, cell: int) -> np.ndarray:
        return self.of_cell.indices[self.of_cell.indptr[cell] : self.of_cell.indptr[cell + 1]]


def cell_costs(values: np.ndarray, cost: str) -> np.ndarray:
    """What suppressing each cell loses: one per cell (ties broken by value), or its value."""
    if cost == "cells":
        return 1.0 + values / (values.sum() + 1.0)
    if cost == "value":
        return values + 1.0 / (values.size + 1.0)
    raise ValueError(f"cost must be 'cells' or 'value', not {cost!r}")


class _LineProtector:
    """Propagates movement requirements along lines, suppressing partners where needed.

    Plain Python lists here: lines are short, and per-element NumPy calls would dominate.
    """

    def __init__(self, table: Table, sens: Sensitivity, costs: np.ndarray, mask: np.ndarray):
        values = table.flat_values
        self.bound = attacker_bound(values)
        lines = _Lines.of(table.relations)
        self.lines = lines
        self.values = values.tolist()
        self.costs = costs.tolist()
        self.sup = mask.tolist()
        cells, signs, ptr = lines.cells.tolist(), lines.signs.tolist(), lines.indptr.tolist()
        self.line_cells = [cells[ptr[r] : ptr[r + 1]] for r in range(len(ptr) - 1)]
        self.line_signs = [signs[ptr[r] : ptr[r + 1]] for r in range(len(ptr) - 1)]
        of = lines.of_cell
        self.cell_lines = np.split(of.indices, of.indptr[1:-1])
        self.need = {
            1: np.where(sens.sensitive, sens.upper, 0.0).tolist(),
            -1: sens.lower.tolist(),
        }
        self.queue: deque[int] = deque(np.flatnonzero(mask & sens.sensitive).tolist())
        self.queued = [False] * len(self.values)  # a cell waits in the queue at most once
        for cell in self.queue:
            self.queued[cell] = True

    @property
    def mask(self) -> np.ndarray:
        return np.array(self.sup, dtype=bool)

    def suppress(self, cell: int) -> None:
        self.sup[cell] = True

    def require(self, cell: int, direction: int, amount: float) -> None:
        if amount > self.need[direction][cell] + TOLERANCE:
            self.need[direction][cell] = amount
            if not self.queued[cell]:  # when it comes up, it balances its largest need
                self.queued[cell] = True
                self.queue.append(cell)

    def run(self) -> np.ndarray:
        while self.queue:
            cell = self.queue.popleft()
            self.queued[cell] = False
            for direction in (1, -1):
                amount = self.need[direction][cell]
                if amount > TOLERANCE:
                    for r in self.cell_lines[cell].tolist():
                        self._balance(cell, direction, amount, r)
        return self.mask

    def _balance(self, cell: int, direction: int, amount: float, r: int) -> None:
        cells, signs = self.line_cells[r], self.line_signs[r]
        own = signs[cells.index(cell)]
        sup, values, bound = self.sup, self.values, self.bound
        have, partners, free = 0.0, [], []
        for j, sign in zip(cells, signs, strict=True):
            if j == cell:
                continue
            move = 1 if -own * sign * direction > 0 else -1
            cap = min(bound if move > 0 else values[j], amount)
            if sup[j]:
                have += cap
                partners.append((j, move, cap))
            elif cap > 0:
                free.append((j, move, cap))
        deficit = amount - have
        while deficit > TOLERANCE and free:
            enough = [f for f in free if f[2] >= deficit - TOLERANCE]
            if enough:
                pick = min(enough, key=lambda f: self.costs[f[0]])
            else:
                pick = max(free, key=lambda f: f[2] / self.costs[f[0]])
            free.remove(pick)
            sup[pick[0]] = True
            partners.append(pick)
            deficit -= pick[2]
        for j, move, cap in partners:
            self.require(j, move, cap)


def protect_lines(
    table: Table, sens: Sensitivity, costs: np.ndarray, start: np.ndarray
) -> tuple[np.ndarray, _LineProtector]:
    """Suppress partners until every sensitive cell (and each cell it leans on) can move."""
    protector = _LineProtector(table, sens, costs, start)
    return protector.run(), protector


def protect_heuristic(
    table: Table,
    rules: DisclosureRules,
    sens: Sensitivity,
    cost: str = "cells",
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Line-wise protection followed by LP-guided repair until the audit passes."""
    return heuristic_with_audit(table, rules, sens, cost, start)[0]


def heuristic_with_audit(
    table: Table,
    rules: DisclosureRules,
    sens: Sensitivity,
    cost: str = "cells",
    start: np.ndarray | None = None,
    deadline: float | None = None,
) -> tuple[np.ndarray, tuple[np.ndarray, AuditResult] | None]:
    """`protect_heuristic`, also giving its last audit with the mask it audited (the same
    object as the mask returned when nothing changed after it), so the caller need not audit
    that mask again.

    Past ``deadline`` (a ``time.monotonic()`` value) the audits stop early: an audit cut short
    cannot tell a failing cell from one it did not reach, so no repair follows it, and the
    result says the audit is incomplete."""
    values = table.flat_values
    costs = cell_costs(values, cost)
    mask = sens.sensitive.copy() if start is None else start | sens.sensitive
    mask, protector = protect_lines(table, sens, costs, mask)
    last = None
    for _ in range(MAX_REPAIR_ROUNDS):
        result = audit(table, mask, rules, exact=False, time_budget=seconds_left(deadline))
        last = (mask, result)
        if result.passed or not result.complete:
            break
        system = AttackerSystem.build(table.relations, values, mask)
        position = system.position()
        added = False
        for failure in result.failures:
            added |= _repair(protector, system, position[failure.cell], failure, costs)
        if not added:
            break  # no unsuppressed cell can help: the table cannot be protected further
        mask = protector.run()
    if last is not None and not last[1].complete:
        return mask, last  # out of time: neither repaired nor pruned, and failing
    keep = sens.sensitive if start is None else start | sens.sensitive
    before = mask.copy()
    pruned = _prune(table, rules, mask, keep, costs)
    if last is None or last[0] is not pruned or not np.array_equal(pruned, before):
        return pruned, None  # the last audit was of another pattern
    return pruned, last


def _prune(table, rules, mask, keep, costs) -> np.ndarray:
    """Give back complementary cells the audit does not need, dearest first (small patterns)."""
    secondary = np.flatnonzero(mask & ~keep)
    too_big = secondary.size > PRUNE_LIMIT or mask.sum() > PRUNE_LIMIT
    if too_big or not audit(table, mask, rules, exact=False).passed:
        return mask
    for cell in secondary[np.argsort(-costs[secondary], kind="stable")]:
        mask[cell] = False
        if not audit(table, mask, rules, exact=False).passed:
            mask[cell] = True
    return mask


def _repair(protector, system, var, failure, costs) -> bool:
    """Suppress the cheapest cells whose dual-cut weight covers the failing cell's deficit."""
    cell, values = failure.cell, system.values
    added = False
    for sign, short in (
        (1, failure.upper is not None and failure.upper < failure.required_upper - TOLERANCE),
        (-1, failure.lower > failure.required_lower + TOLERANCE),
    ):
        if not short:
            continue
        reached, duals = exact_extreme(system, var, sign)
        deficit = sign * (
            (failure.required_upper if sign > 0 else failure.required_lower) - reached
        )
        reduced = cut_coefficients(system.relations, values, cell, sign, duals, system.bound)
        reduced[protector.mask] = 0.0
        while deficit > TOLERANCE:
            free = np.flatnonzero(reduced > TOLERANCE)
            if free.size == 0:
                return added
            weight = np.minimum(reduced[free], deficit)
            enough = free[weight >= deficit - TOLERANCE]
            pick = (
                enough[np.argmin(costs[enough])]
                if enough.size
                else free[np.argmax(weight / costs[free])]
            )
            protector.suppress(int(pick))
            direction = _dual_direction(system, duals, cell, sign, pick)
            protector.require(int(pick), direction, float(min(reduced[pick], deficit)))
            deficit -= reduced[pick]
            reduced[pick] = 0.0
            added = True
    return added


def _dual_direction(system, duals, cell, sign, pick) -> int:
    # A positive reduced cost means the helpful move for that cell is downwards, and vice versa.
    column = system.relations[:, pick]
    reduced = (-sign if pick == cell else 0.0) - float((column.T @ duals)[0])
    return -1 if reduced > 0 else 1


def protect_baseline(table: Table, sens: Sensitivity) -> np.ndarray:
    """The simple textbook method: while a line has exactly one suppressed cell, also hide its
    smallest published cell. Cheap, and blind to amounts and to attacks across lines."""
    lines = _Lines.of(table.relations)
    incidence = abs(table.relations).tocsr()
    values = table.flat_values
    mask = sens.sensitive.copy()
    while True:
        alone = np.flatnonzero(incidence @ mask.astype(float) == 1)
        changed = False
        for r in alone:
            cells, _ = lines.line(int(r))
            if mask[cells].sum() != 1:
                continue
            free = cells[~mask[cells]]
            if free.size:
                mask[free[np.argmin(values[free])]] = True
                changed = True
        if not changed:
            return mask
