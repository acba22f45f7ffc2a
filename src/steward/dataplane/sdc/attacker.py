"""The attacker's linear programs: how narrowly published cells pin down suppressed ones."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

TOLERANCE = 1e-6


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
        bound = float(max(values.sum(), 1.0))
        system = cls(relations, values, suppressed, rows, matrix, rhs, bound)
        system.labels = _components(matrix)
        return system

    def position(self) -> dict[int, int]:
        return {int(cell): i for i, cell in enumerate(self.suppressed)}


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


GLOBAL_LIMIT = 4000  # components up to this many suppressed cells are solved whole
BOX_LIMIT = 6000  # cells in a shared local box
MAX_ROUNDS = 4


def witness_bounds(
    system: AttackerSystem,
    targets: np.ndarray,
    need_hi: np.ndarray,
    need_lo: np.ndarray,
    exact: bool = False,
    boxes=None,
) -> Bounds:
    """For each target variable, find feasible values reaching ``need_hi`` and ``need_lo``.

    A batch LP first pushes many targets at once; single LPs settle the rest exactly. With
    ``exact`` every target's interval is computed exactly by its own pair of LPs. Components
    too large to solve whole are searched in local boxes (``boxes``, a ``BoxMaker``), holding
    every cell outside the box at its true value: points found are still feasible, so the
    bounds stay sound, only possibly narrower than the truth.
    """
    y0 = system.values[system.suppressed]
    hi, lo = y0[targets].astype(float), y0[targets].astype(float)
    exact_hi = np.zeros(targets.size, dtype=bool)
    exact_lo = np.zeros(targets.size, dtype=bool)
    sizes = np.bincount(system.labels) if system.labels.size else np.zeros(0, int)
    for label in np.unique(system.labels[targets]) if targets.size else []:
        which = np.flatnonzero(system.labels[targets] == label)
        if boxes is not None and sizes[label] > GLOBAL_LIMIT and not exact:
            _local_bounds(system, boxes, targets, which, (hi, lo), (need_hi, need_lo))
            continue
        sub = _Subproblem(system, np.flatnonzero(system.labels == label))
        for sign, got, need, flags in ((1, hi, need_hi, exact_hi), (-1, lo, need_lo, exact_lo)):
            pending = which if exact else which[_short(sign, got[which], need[which])]
            if not exact:
                pending = _batch_rounds(sub, sign, pending, targets, got, need)
            for t in pending:
                got[t], _ = sub.extreme(int(targets[t]), sign)
                flags[t] = True
    return Bounds(hi, lo, exact_hi, exact_lo)


def _local_bounds(system, boxes, targets, which, got_pair, need_pair) -> None:
    groups: dict[tuple, list[int]] = {}
    for t in which:
        groups.setdefault(boxes.group_key(int(system.suppressed[targets[t]])), []).append(t)
    for key, members in groups.items():
        members = np.array(members)
        box = boxes.group_box(key)
        sub = _Subproblem(system, _positions(system, box)) if box.size <= BOX_LIMIT else None
        for sign, got, need in ((1, got_pair[0], need_pair[0]), (-1, got_pair[1], need_pair[1])):
            pending = members[_short(sign, got[members], need[members])]
            if sub is not None:
                pending = _batch_rounds(sub, sign, pending, targets, got, need)
            for t in pending:
                got[t] = local_extreme(system, boxes, int(targets[t]), sign)[0]


def _positions(system: AttackerSystem, cells: np.ndarray) -> np.ndarray:
    """Positions in ``system.suppressed`` of those given cells that are suppressed."""
    pos = np.searchsorted(system.suppressed, cells)
    pos = np.minimum(pos, max(system.suppressed.size - 1, 0))
    return np.unique(pos[system.suppressed[pos] == cells]) if system.suppressed.size else pos[:0]


def local_extreme(system, boxes, variable: int, sign: int) -> tuple[float, np.ndarray]:
    """The extreme of one suppressed cell within its small box, other cells held at truth."""
    cell = int(system.suppressed[variable])
    variables = _positions(system, boxes.small_box(cell))
    sub = _Subproblem(system, variables)
    return sub.extreme(variable, sign)


def _short(sign: int, got: np.ndarray, need: np.ndarray) -> np.ndarray:
    if sign > 0:
        return got < need - TOLERANCE
    return got > need + TOLERANCE


def _batch_rounds(sub, sign, pending, targets, got, need) -> np.ndarray:
    """Push pending targets together, each only as far as it needs, until a round gains nothing."""
    for _ in range(MAX_ROUNDS):
        if pending.size <= 1:
            break
        solution = sub.push(targets[pending], sign, need[pending])
        reached = solution(targets[pending])
        improved = reached > got[pending] if sign > 0 else reached < got[pending]
        got[pending] = np.where(improved, reached, got[pending])
        still = pending[_short(sign, got[pending], need[pending])]
        if still.size == pending.size:
            break
        pending = still
    return pending


class _Subproblem:
    """The attacker LP over some suppressed cells, the others held at their true values."""

    def __init__(self, system: AttackerSystem, variables: np.ndarray) -> None:
        variables = np.asarray(variables, dtype=np.int64)
        cols = system.matrix[:, variables].tocsr()
        self.row_index = np.flatnonzero(np.diff(cols.indptr) > 0)
        self.system = system
        self.variables = variables
        self.a_eq = cols[self.row_index].tocsr()
        y0 = system.values[system.suppressed]
        held = system.matrix[self.row_index] @ y0 - self.a_eq @ y0[variables]
        self.b_eq = system.rhs[self.row_index] - held

    def _local(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.variables, positions)

    def _solve(self, cost: np.ndarray, extra_cols: int = 0, a_ub=None):
        has_rows = self.a_eq.shape[0] > 0
        n = self.variables.size
        a_eq = self.a_eq
        if extra_cols and has_rows:
            a_eq = sparse.hstack([a_eq, sparse.csr_matrix((a_eq.shape[0], extra_cols))]).tocsr()
        result = linprog(
            cost,
            A_ub=a_ub,
            b_ub=None if a_ub is None else np.zeros(a_ub.shape[0]),
            A_eq=a_eq if has_rows else None,
            b_eq=self.b_eq if has_rows else None,
            bounds=self._bounds(n, extra_cols),
            method="highs",
        )
        if result.status != 0:
            raise RuntimeError(f"attacker LP failed: {result.message}")
        return result

    def _bounds(self, n: int, extra: int):
        if not extra:
            return (0, self.system.bound)
        return [(0, self.system.bound)] * n + self._extra_bounds

    def push(self, positions: np.ndarray, sign: int, need: np.ndarray):
        """Maximise (or minimise) the targets together, each capped at what it needs."""
        locs = self._local(positions)
        k, n = locs.size, self.variables.size
        # Auxiliary s_t <= y_t (or >= for minimising) bounded by the need: no target is
        # worth pushing past its protection level at the expense of another.
        if sign > 0:
            self._extra_bounds = [(0.0, max(float(v), 0.0)) for v in need]
        else:
            self._extra_bounds = [(float(v), self.system.bound) for v in need]
        rows = np.arange(k)
        coupling = sparse.csr_matrix(
            (np.r_[-np.ones(k), np.ones(k)] * sign, (np.r_[rows, rows], np.r_[locs, n + rows])),
            shape=(k, n + k),
        )
        cost = np.r_[np.zeros(n), -sign * np.ones(k)]
        x = self._solve(cost, extra_cols=k, a_ub=coupling).x
        return lambda pos: x[self._local(pos)]

    def extreme(self, position: int, sign: int) -> tuple[float, np.ndarray]:
        """The max (sign 1) or min (sign -1) of one variable here, and the LP's row duals."""
        loc = int(self._local(np.array([position]))[0])
        cost = np.zeros(self.variables.size)
        cost[loc] = -sign
        result = self._solve(cost)
        duals = np.zeros(self.system.relations.shape[0])
        if self.row_index.size:
            duals[self.system.rows[self.row_index]] = result.eqlin.marginals
        return float(result.x[loc]), duals


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
    sub = _Subproblem(system, np.flatnonzero(system.labels == system.labels[variable]))
    return sub.extreme(variable, sign)
