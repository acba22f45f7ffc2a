"""The attacker's linear programs: how narrowly published cells pin down suppressed ones."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ._highs import WarmLP

TOLERANCE = 1e-6
MIN_ROUND = 5  # a push round must carry this many targets to be worth another


def attacker_bound(values: np.ndarray) -> float:
    """A value no cell can exceed while the grand total is published; reaching it means the
    attacker has no upper bound. Generous, so that protection levels always fit below it."""
    return float(max(2.0 * values.sum(), 1e4))


@dataclass
class AttackerSystem:
    """The relations restricted to suppressed cells, with published cells moved to the right."""

    relations: sparse.csr_matrix  # the full table's relations (rows x all cells)
    values: np.ndarray  # true values of all cells
    suppressed: np.ndarray  # flat indices of suppressed cells (the LP's variables)
    rows: np.ndarray  # relation rows that touch a suppressed cell
    matrix: sparse.csr_matrix  # rows x suppressed
    rhs: np.ndarray
    bound: float  # an upper bound no cell can exceed; reaching it means "unbounded"
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @classmethod
    def build(
        cls, relations: sparse.csr_matrix, values: np.ndarray, suppressed_mask: np.ndarray
    ) -> AttackerSystem:
        suppressed = np.flatnonzero(suppressed_mask)
        on_suppressed = relations[:, suppressed]
        rows = np.flatnonzero(np.diff(on_suppressed.tocsr().indptr) > 0)
        matrix = on_suppressed[rows].tocsr()
        published = ~suppressed_mask
        rhs = -(relations[rows][:, published] @ values[published])
        bound = attacker_bound(values)
        system = cls(relations, values, suppressed, rows, matrix, rhs, bound)
        system.labels = _components(matrix)
        return system

    def position(self) -> dict[int, int]:
        return {int(cell): i for i, cell in enumerate(self.suppressed)}

    def subproblem(self, label: int) -> _Subproblem:
        """The component's LP, built once and reused warm."""
        cache = self.__dict__.setdefault("_subproblems", {})
        if label not in cache:
            cache[label] = _Subproblem(self, np.flatnonzero(self.labels == label))
        return cache[label]


def _components(matrix: sparse.csr_matrix) -> np.ndarray:
    n_vars = matrix.shape[1]
    if n_vars == 0:
        return np.zeros(0, dtype=int)
    incidence = (matrix != 0).astype(np.int8)
    # Variables and rows as one bipartite graph: variables sharing a relation are connected.
    graph = sparse.bmat([[None, incidence.T], [incidence, None]], format="csr")
    _, labels = connected_components(graph, directed=False)
    return labels[:n_vars]


@dataclass
class Bounds:
    """Attained (or exact) extremes for target variables of an attacker system."""

    hi: np.ndarray
    lo: np.ndarray
    exact_hi: np.ndarray
    exact_lo: np.ndarray
    complete: bool = True


def witness_bounds(
    system: AttackerSystem,
    targets: np.ndarray,
    need_hi: np.ndarray,
    need_lo: np.ndarray,
    exact: bool = False,
    deadline: float | None = None,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> Bounds:
    """For each target variable, find feasible values reaching ``need_hi`` and ``need_lo``.

    Every solution found is a point the attacker cannot rule out, so it certifies each pending
    target it happens to push far enough: first rounds of LPs that push many targets at once
    (`_Subproblem.push_rounds`); then a target no solution certified gets its own LP, whose
    optimum is its exact bound. With ``exact`` every target gets its own LPs.
    Past ``deadline`` (a ``time.monotonic()`` value) no more LPs are solved and the bounds are
    marked incomplete: targets not yet certified then count as failing. ``start`` gives values
    each target is already known to reach (highest, lowest), from points found elsewhere.
    """
    complete = True
    y0 = system.values[system.suppressed]
    hi, lo = y0[targets].astype(float), y0[targets].astype(float)
    if start is not None and not exact:
        hi, lo = np.maximum(hi, start[0]), np.minimum(lo, start[1])
    exact_hi = np.zeros(targets.size, dtype=bool)
    exact_lo = np.zeros(targets.size, dtype=bool)
    for label in np.unique(system.labels[targets]) if targets.size else []:
        which = np.flatnonzero(system.labels[targets] == label)
        sub = system.subproblem(int(label))
        for sign, got, need, flags in ((1, hi, need_hi, exact_hi), (-1, lo, need_lo, exact_lo)):
            pending = which if exact else which[_short(sign, got[which], need[which])]
            locs = sub.local(targets[pending])
            if pending.size > 1 and not exact:
                reached = sub.push_rounds(locs, need[pending], sign, deadline)
                got[pending] = _better(sign, got[pending], reached)
            for k, t in enumerate(pending):
                if not exact and not _short(sign, got[t : t + 1], need[t : t + 1])[0]:
                    continue
                if deadline is not None and time.monotonic() > deadline:
                    complete = False
                    break
                x, _ = sub.solve_extreme(int(locs[k]), sign)
                got[t], flags[t] = x[locs[k]], True
                if not exact:  # this point may push other pending targets far enough too
                    rest = pending[k + 1 :]
                    got[rest] = _better(sign, got[rest], x[locs[k + 1 :]])
    return Bounds(hi, lo, exact_hi, exact_lo, complete)


def _better(sign: int, current: np.ndarray, found: np.ndarray) -> np.ndarray:
    return np.maximum(current, found) if sign > 0 else np.minimum(current, found)


def _short(sign: int, got: np.ndarray, need: np.ndarray) -> np.ndarray:
    if sign > 0:
        return got < need - TOLERANCE
    return got > need + TOLERANCE


class _Subproblem:
    """The attacker LP of one connected component, kept warm between objectives."""

    def __init__(self, system: AttackerSystem, variables: np.ndarray) -> None:
        self.system = system
        self.variables = np.asarray(variables, dtype=np.int64)
        cols = system.matrix[:, self.variables].tocsr()
        self.row_index = np.flatnonzero(np.diff(cols.indptr) > 0)
        self.matrix = cols[self.row_index]
        self.rhs = system.rhs[self.row_index]
        self.lp = WarmLP.equalities(self.matrix, self.rhs, system.bound)

    def local(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.variables, positions)

    def push_rounds(
        self, locs: np.ndarray, need: np.ndarray, sign: int, deadline: float | None = None
    ) -> np.ndarray:
        """The farthest values (sign 1: highest) reached by targets at ``locs`` in rounds of one
        LP that pushes every pending target towards its ``need`` at once.

        The LP maximises the sum of each pending target's move, each counted up to what it
        needs (a variable t_j <= sign * (x_j - y_j), t_j <= need_j - y_j): no target is worth
        pushing past its need, so one point carries many targets far enough. The targets it
        carries leave the objective and the next round, warm, pushes the rest; rounds stop
        when one carries fewer than ``MIN_ROUND`` (one LP per target then does better).
        """
        n, p = self.variables.size, locs.size
        system = self.system
        y = system.values[system.suppressed[self.variables]][locs]
        amounts = np.minimum(sign * (need - y), system.bound)
        best = y.astype(float)
        pending = amounts > TOLERANCE
        if pending.sum() < MIN_ROUND:
            return best
        # Rows: the relations as they are, then t_j - sign * x_j <= -sign * y_j.
        reach = sparse.csr_matrix((np.full(p, -float(sign)), (np.arange(p), locs)), shape=(p, n))
        matrix = sparse.bmat(
            [[self.matrix, None], [reach, sparse.identity(p, format="csr")]], format="csc"
        )
        lp = WarmLP(
            matrix,
            np.concatenate([self.rhs, np.full(p, -np.inf)]),
            np.concatenate([self.rhs, -sign * y]),
            np.concatenate([np.zeros(n), np.full(p, -system.bound)]),
            np.concatenate([np.full(n, system.bound), np.maximum(amounts, 0.0)]),
        )
        while pending.any():
            if deadline is not None and time.monotonic() > deadline:
                break
            cost = np.zeros(n + p)
            cost[n + np.flatnonzero(pending)] = -1.0
            x = lp.solve(cost)[0][:n]
            best = _better(sign, best, x[locs])
            reached = sign * (x[locs] - y) >= amounts - TOLERANCE
            carried = int((pending & reached).sum())
            pending &= ~reached
            if carried < MIN_ROUND:
                break
        return best

    def solve_extreme(
        self, loc: int, sign: int, cap: tuple[float, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The point maximising (sign 1) or minimising (sign -1) one variable, and row duals;
        ``cap`` (lower, upper) stops the search once the variable reaches what is needed."""
        cost = np.zeros(self.variables.size)
        cost[loc] = -sign
        x, row_duals = self.lp.solve(cost, None if cap is None else (loc, *cap))
        duals = np.zeros(self.system.relations.shape[0])
        if self.row_index.size:
            duals[self.system.rows[self.row_index]] = row_duals
        return x, duals

    def extreme(self, position: int, sign: int) -> tuple[float, np.ndarray]:
        loc = int(self.local(np.array([position]))[0])
        x, duals = self.solve_extreme(loc, sign)
        return float(x[loc]), duals


def cut_coefficients(
    relations: sparse.csr_matrix,
    values: np.ndarray,
    cell: int,
    sign: int,
    duals: np.ndarray,
    bound: float,
) -> np.ndarray:
    """Per cell, how much suppressing it can widen ``cell``'s interval in direction ``sign``.

    By weak duality, for any row multipliers the attacker's best move is at most the sum of
    these coefficients over suppressed cells; so a protected pattern must make that sum reach
    the protection level (a Fischetti-Salazar style cut).
    """
    cost = np.zeros(values.size)
    cost[cell] = -sign
    reduced = cost - relations.T @ duals
    return np.maximum(reduced, 0.0) * values + np.maximum(-reduced, 0.0) * bound


def exact_extreme(system: AttackerSystem, variable: int, sign: int) -> tuple[float, np.ndarray]:
    """The exact max/min of one suppressed cell (by its position in ``system.suppressed``)."""
    return system.subproblem(int(system.labels[variable])).extreme(variable, sign)
