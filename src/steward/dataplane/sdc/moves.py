"""Witness points without an LP: spread moves over the hidden leaf cells, checked exactly.

A table's published cells fix sums of its leaf cells (the finest cells): a margin is the sum of
the leaves in its box. A change ``d`` of the hidden leaves that leaves every published box sum
unchanged, with ``leaves + d >= 0``, is a table the attacker cannot rule out: hidden margins
are sums of leaves, so they stay non-negative too. Such a point proves a hidden cell's interval
reaches as far as the point moves it; it is a witness, whatever method found it.

For each target cell we take the move that raises it and spreads the compensation over the
other hidden leaves in proportion to a weight (its value to the power 1.5: large cells give
more, small cells are spared), the weighted least-squares solution

    d = q - W A' (A W A')^-1 A q

where ``A`` holds the published boxes over hidden leaves, ``W`` the weights and ``q`` the
target's raise spread over its own leaves. ``A d = 0`` holds by construction; the largest step
that keeps every leaf non-negative is then how far the target can go. One factorisation of
``A W A'`` serves every target, so the cost per cell is a few sparse products, where an LP over
a state-sized hidden block takes about a minute. Cells no move certifies go on to the LPs.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import linalg, sparse
from scipy.optimize import linprog

from .attacker import TOLERANCE, _better
from .table import Dimension, Table

# The weight of a leaf is its value to these powers, tried in turn on the cells still short: on
# the state table of bench/sdc.py, 1.5 certifies 98.9 % of the hidden sensitive cells; of those
# it leaves, 2 certifies 41 % and 1 another share (docs/performance.md).
WEIGHT_POWERS = (1.5, 2.0, 1.0)
MAX_MARGINS = 15_000  # the factor is dense: 15,000 published margins take 1.8 GB
MAX_SPANNING = 4_000  # boxes spanning groups of leaves beyond which one dense factor is built
RESIDUAL = 1e-8  # how far a point may leave a published sum, relative to the largest leaf
GAIN = 1e-6  # a move that raises its target less than this per unit is no move
CHUNK_VALUES = 2_000_000  # leaf values of the moves built together: 16 MB arrays stay in the heap
ROWS = 400  # leaves in a combination's first LP; any it breaks are added and it is solved again


def box_incidence(table: Table) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Which leaves each cell sums, as a cells x leaves 0/1 matrix, and each leaf's flat index."""
    members, leaf_codes = [], []
    for dim in table.dimensions:
        leaves = np.flatnonzero(dim.is_leaf)
        column = {int(code): i for i, code in enumerate(leaves)}
        rows = [code for code in range(len(dim.codes)) for _ in dim.leaves_under(code)]
        cols = [column[leaf] for code in range(len(dim.codes)) for leaf in dim.leaves_under(code)]
        members.append(
            sparse.csr_matrix(
                (np.ones(len(rows)), (rows, cols)), shape=(len(dim.codes), leaves.size)
            )
        )
        leaf_codes.append(leaves)
    incidence = members[0]
    for member in members[1:]:
        incidence = sparse.kron(incidence, member, format="csr")
    leaf_cells = np.ravel_multi_index(np.ix_(*leaf_codes), table.shape).reshape(-1)
    return incidence, leaf_cells


def reach_by_moves(
    table: Table,
    suppressed: np.ndarray,
    cells: np.ndarray,
    need_hi: np.ndarray,
    need_lo: np.ndarray,
    deadline: float | None = None,
    combine: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """How high and how low checked spread moves take each cell towards its needs: each of
    `WEIGHT_POWERS` in turn on the cells the ones before left short, then combinations of
    moves (`SpreadMoves.combine`) for those still short where ``combine`` (a mask over
    ``cells``; default all) allows: a cell that truly fails goes through every combination
    first, so where an LP is cheap it should go straight to the LP."""
    values = table.flat_values[cells].astype(float)
    reached = {1: values.copy(), -1: values.copy()}
    needs = {1: need_hi, -1: need_lo}

    def short(sign: int) -> np.ndarray:
        return np.flatnonzero(sign * (needs[sign] - reached[sign]) > TOLERANCE)

    def late() -> bool:
        return deadline is not None and time.monotonic() > deadline

    incidence = box_incidence(table)
    groups = leaf_groups(table, incidence[1])
    if groups is not None and not late():
        # Moves kept inside each group of leaves (a district, say) are found many times faster
        # and certify much; the moves over the whole table take what they leave.
        for group in np.unique(groups):
            block = SpreadMoves(table, suppressed, WEIGHT_POWERS[0], groups == group, incidence)
            for sign in (1, -1):
                rows = short(sign)
                if rows.size and not late():
                    found = block.reach(cells[rows], needs[sign][rows], sign, deadline)
                    reached[sign][rows] = _better(sign, reached[sign][rows], found)
    first = None
    for power in WEIGHT_POWERS:
        if late() or not (short(1).size or short(-1).size):
            break
        moves = SpreadMoves(table, suppressed, power, incidence=incidence, groups=groups)
        first = first or moves
        for sign, rows in ((1, short(1)), (-1, short(-1))):
            if rows.size:
                found = moves.reach(cells[rows], needs[sign][rows], sign, deadline)
                reached[sign][rows] = _better(sign, reached[sign][rows], found)
    allowed = np.ones(cells.size, dtype=bool) if combine is None else combine
    for sign in (1, -1):
        for row in short(sign)[allowed[short(sign)]] if first is not None else ():
            if late():
                break
            found = first.combine(int(cells[row]), float(needs[sign][row]), sign)
            reached[sign][row] = _better(sign, reached[sign][row], found)
    return reached[1], reached[-1]


class SpreadMoves:
    """The hidden leaves, the published boxes over them, and the factor that builds moves.

    Only leaves with a value give way (a leaf at zero has weight 0): a move is dense over those
    ("mobile") leaves and touches a leaf at zero only where it is the target's own. A ``block``
    (a mask over the leaves, in `box_incidence` order) keeps every move inside it: smaller
    moves, found much faster, that certify what they can; ``incidence`` is `box_incidence`'s
    result when the caller has it already. ``groups`` (`leaf_groups`) lets the factor be
    built group by group (`_GroupedInverse`).
    """

    def __init__(
        self,
        table: Table,
        suppressed: np.ndarray,
        power: float = WEIGHT_POWERS[0],
        block: np.ndarray | None = None,
        incidence: tuple[sparse.csr_matrix, np.ndarray] | None = None,
        groups: np.ndarray | None = None,
    ):
        incidence, leaf_cells = incidence or box_incidence(table)
        values = table.flat_values.astype(float)
        hidden_leaf = suppressed[leaf_cells]
        # The cells whose hidden leaves all lie in the block: only those get moves of their own.
        within = hidden_leaf if block is None else hidden_leaf & block
        self.cells = incidence[:, within].tocsr()  # every cell's hidden leaves (in the block)
        own = np.diff(self.cells.indptr)
        if block is None:
            self.whole = own > 0
        else:
            self.whole = (own > 0) & (own == incidence @ hidden_leaf.astype(float))
        self.leaf_values = values[leaf_cells][within]
        self.values = values
        self.scale = max(float(np.abs(self.leaf_values).max(initial=0.0)), 1.0)
        self.shape = table.shape
        self.leaf_cells = leaf_cells[within]
        self.chains = [_chains(dim) for dim in table.dimensions]
        published = self.cells[~suppressed]
        self.boxes = published[np.diff(published.indptr) > 0].tocsr()
        self.mobile = np.flatnonzero(self.leaf_values > 0)
        self.fixed = np.flatnonzero(self.leaf_values <= 0)
        self.weights = self.leaf_values[self.mobile] ** power
        self.inverse_values = 1.0 / self.leaf_values[self.mobile]
        self.cells_mobile = self.cells[:, self.mobile].tocsr()
        self.cells_fixed = self.cells[:, self.fixed].tocsr()
        self.boxes_mobile = self.boxes[:, self.mobile].tocsr()
        self.boxes_fixed = self.boxes[:, self.fixed].tocsr()
        self.chunk = int(np.clip(CHUNK_VALUES // max(self.mobile.size, 1), 8, 500))
        gram = (self.boxes_mobile @ sparse.diags(self.weights) @ self.boxes_mobile.T).tocsr()
        self.live = gram.diagonal() > 0  # boxes holding a leaf that can give
        live = np.flatnonzero(self.live)
        gram = gram[live][:, live].tocsr()
        self.solver = None
        if groups is not None and block is None and live.size:
            box_groups = _box_groups(self.boxes_mobile[live], groups[within][self.mobile])
            self.solver = _GroupedInverse.build(gram, box_groups)
        if self.solver is None and 0 < live.size <= MAX_MARGINS:
            self.solver = _DenseInverse.build(gram)
        self.usable = self.solver is not None
        if self.usable:
            self.live_boxes = self.boxes[live[self.solver.kept]].T.tocsr()  # leaves x boxes
            self.live_mobile = self.boxes_mobile[live[self.solver.kept]].tocsr()

    def reach(
        self, targets: np.ndarray, need: np.ndarray, sign: int, deadline: float | None = None
    ) -> np.ndarray:
        """How far (sign 1: up, -1: down) checked moves take each target cell towards its
        ``need``: the need itself where a move gets there, less where moves fall short, the
        true value where none helps.

        The finest cells go first: the point that raises a leaf raises each cell above it too,
        so many margins are certified by their leaves' points without a move of their own.
        Only cells whose hidden leaves all lie in the block get moves; any target is credited
        with the points of the others.
        """
        targets = np.asarray(targets, dtype=np.int64)
        best = self.values[targets].copy()
        if not self.usable or targets.size == 0:
            return best
        position = np.full(self.values.size, -1, dtype=np.int64)
        position[targets] = np.arange(targets.size)
        sizes = np.diff(self.cells.indptr)[targets]
        order = np.argsort(sizes, kind="stable")
        queue = order[self.whole[targets[order]]].tolist()

        def short(i: int) -> bool:
            return sign * (need[i] - best[i]) > TOLERANCE

        cursor = 0
        while cursor < len(queue):
            if deadline is not None and time.monotonic() > deadline:
                break
            chunk = []
            while cursor < len(queue) and len(chunk) < self.chunk:
                if short(queue[cursor]):
                    chunk.append(queue[cursor])
                cursor += 1
            if not chunk:
                continue
            rows = np.array(chunk)
            wanted = np.zeros(self.values.size, dtype=bool)
            wanted[targets[sign * (need - best) > TOLERANCE]] = True
            cells, reached = self._reach_chunk(
                targets[rows], sign * (need[rows] - best[rows]), sign, wanted
            )
            rows = position[cells]
            better = sign * (reached - best[rows]) > 0
            # A cell may appear twice (its own move, a leaf's): np.maximum.at keeps both.
            (np.maximum if sign > 0 else np.minimum).at(best, rows[better], reached[better])
        return best

    def _reach_chunk(
        self, cells: np.ndarray, distance: np.ndarray, sign: int, wanted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each cell's move, and the value it reaches at the cell and at every cell above it
        that is ``wanted`` (a mask over all cells): (cells, values reached)."""
        mobile, fixed, step, ok, _ = self._moves(cells, distance, sign)
        mobile = mobile[ok] * step[ok, None]
        fixed = sparse.diags(step[ok]) @ fixed[ok]
        owners, above = self._above(cells[ok])
        # A margin's box may hold most of the table: only the targets still short are summed.
        keep = wanted[above]
        owners, above = owners[keep], above[keep]
        boxes = self.cells_mobile[above].tocoo()
        change = np.bincount(
            boxes.row, weights=mobile[owners[boxes.row], boxes.col], minlength=above.size
        )
        at_zero = self.cells_fixed[above].multiply(fixed[owners]).sum(axis=1)
        change = change + np.asarray(at_zero).ravel()
        return above, self.values[above] + change

    def _above(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i, cell): each of ``cells[i]`` itself and every cell whose box holds it."""
        n, ndim = cells.size, len(self.shape)
        coords = np.unravel_index(cells, self.shape)
        axes = []
        for d, chains in enumerate(self.chains):
            shape = [n] + [1] * ndim
            shape[1 + d] = chains.shape[1]
            axes.append(chains[coords[d]].reshape(shape))
        grids = np.broadcast_arrays(*axes)
        valid = np.logical_and.reduce([grid >= 0 for grid in grids])
        flat = np.ravel_multi_index(tuple(np.maximum(grid, 0) for grid in grids), self.shape)
        owners = np.broadcast_to(np.arange(n).reshape([n] + [1] * ndim), flat.shape)
        return owners[valid], flat[valid]

    def point(self, cell: int, need: float, sign: int = 1) -> np.ndarray | None:
        """The whole table (flat, margins included) that the move for ``cell`` reaches: every
        published cell at its value, every cell non-negative. None when no move helps."""
        distance = np.array([sign * (need - self.values[cell])])
        if not self.usable or distance[0] <= 0:
            return None
        mobile, fixed, step, ok, _ = self._moves(np.array([cell]), distance, sign)
        if not ok[0]:
            return None
        change = self.cells_mobile @ mobile[0] + self.cells_fixed @ fixed[0].toarray().ravel()
        return self.values + step[0] * change

    def _moves(self, cells: np.ndarray, distance: np.ndarray, sign: int):
        """Each target's move (its part over the mobile leaves, dense, and over the leaves at
        zero, sparse), the step it can take towards ``distance``, whether that step is checked,
        and the target's gain per unit step."""
        mobile, fixed, gain, movable = self._directions(cells, sign)
        # How much of its value each leaf gives up per unit step; a leaf at zero never falls.
        worst = np.maximum(-(mobile * self.inverse_values).min(axis=1, initial=0.0), 0.0)
        # The step: as far as the need, and no further than the first leaf reaching zero.
        wanted = np.where(gain > GAIN, distance / np.where(gain > GAIN, gain, 1.0), 0.0)
        limit = np.where(worst > 0, 1.0 / np.where(worst > 0, worst, 1.0), np.inf)
        step = np.minimum(wanted, limit)
        # Check the point actually reached against every published box (dead boxes included),
        # not the algebra that built it.
        sums = self.boxes_mobile @ mobile.T + (self.boxes_fixed @ fixed.T).toarray()
        residual = np.abs(sums).max(axis=0, initial=0.0) * step
        ok = movable & (residual <= RESIDUAL * self.scale) & np.isfinite(step) & (step > 0)
        # No move may lower a leaf at zero (none does by construction; this keeps it so).
        lowered = fixed.tocoo()
        ok[lowered.row[lowered.data < 0]] = False
        return mobile, fixed, step, ok, gain

    def _directions(self, cells: np.ndarray, sign: int):
        """Each cell's move (sign applied) for a unit of raise spread over its own leaves, as
        parts over the mobile leaves (dense) and the leaves at zero (sparse); its gain at the
        cell; and whether it has leaves to move at all."""
        own = self.cells[cells]  # targets x hidden leaves
        # The raise is spread over the cell's own leaves; a zero leaf can rise but not fall.
        spread = self.leaf_values + (1.0 if sign > 0 else 0.0)
        profile = own.multiply(spread).tocsr()
        mass = np.asarray(profile.sum(axis=1)).ravel()
        movable = mass > 0
        profile = sparse.diags(np.where(movable, 1.0 / np.where(movable, mass, 1.0), 0.0)) @ profile
        potential = self.solver.apply(profile @ self.live_boxes)  # targets x live boxes
        mobile = np.asarray(-(potential @ self.live_mobile) * self.weights)
        coo = profile[:, self.mobile].tocoo()
        mobile[coo.row, coo.col] += coo.data
        mobile *= sign
        fixed = (profile[:, self.fixed] * sign).tocsr()
        own_mobile = self.cells_mobile[cells].tocoo()
        at_own = np.bincount(
            own_mobile.row, weights=mobile[own_mobile.row, own_mobile.col], minlength=cells.size
        )
        gain = sign * (at_own + np.asarray(fixed.sum(axis=1)).ravel())
        return mobile, fixed, gain, movable

    def _dense(self, mobile: np.ndarray, fixed: sparse.csr_matrix) -> np.ndarray:
        """Moves over every hidden leaf, one row each."""
        full = np.zeros((mobile.shape[0], self.leaf_values.size))
        full[:, self.mobile] = mobile
        full[:, self.fixed] = fixed.toarray()
        return full

    def combine(self, cell: int, need: float, sign: int, rounds: int = 4, width: int = 6) -> float:
        """How far a combination of moves takes ``cell`` towards ``need``, when its own move
        alone falls short: the leaves that stop it are given moves of their own, and a small LP
        over the moves (every leaf kept non-negative) finds the best mix; the point is checked
        against every published box and leaf, as any other."""
        value = self.values[cell]
        distance = sign * (need - value)
        if not self.usable or distance <= 0:
            return value
        mobile, fixed, gains, _ = self._directions(np.array([cell]), sign)
        columns = self._dense(mobile, fixed)
        best, raised = value, set()
        for _ in range(rounds):
            mix, tight = self._best_mix(columns, gains, distance)
            if mix is None:
                return best
            residual = np.abs(self.boxes @ (columns.T @ mix)).max(initial=0.0)
            if residual <= RESIDUAL * self.scale and float(gains @ mix) > 0:
                best = _better(sign, best, value + sign * float(gains @ mix))
                if sign * (need - best) <= TOLERANCE:
                    return best
            # Give the leaves that stop the cell (those the mix drives to zero) moves upwards.
            fresh = [leaf for leaf in tight if leaf not in raised][:width]
            if not fresh:
                return best
            raised.update(fresh)
            mobile, fixed, _, _ = self._directions(self.leaf_cells[fresh], 1)
            extra = self._dense(mobile, fixed)
            columns = np.vstack([columns, extra])
            gains = np.concatenate([gains, sign * np.asarray(self.cells[cell] @ extra.T).ravel()])
        return best

    def _best_mix(self, columns: np.ndarray, gains: np.ndarray, distance: float):
        """The mix of moves that raises the cell most (up to ``distance``) with every leaf
        non-negative, by rows added as they are violated; and the leaves it drives to zero."""
        with np.errstate(divide="ignore", invalid="ignore"):
            danger = np.where(
                self.leaf_values > 0,
                -columns.min(axis=0) / self.leaf_values,
                np.where(columns.min(axis=0) < 0, np.inf, 0.0),
            )
        rows = np.argsort(-danger)[:ROWS]
        bound = 1e3 * max(distance, 1.0)
        for _ in range(8):
            result = linprog(
                -gains,
                A_ub=np.vstack([-columns[:, rows].T, gains[None, :]]),
                b_ub=np.concatenate([self.leaf_values[rows], [distance]]),
                bounds=(-bound, bound),
                method="highs",
            )
            if result.status != 0:
                return None, []
            point = self.leaf_values + columns.T @ result.x
            broken = np.flatnonzero(point < -TOLERANCE * 1e-3)
            if broken.size == 0:
                duals = -result.ineqlin.marginals[:-1]
                order = np.argsort(-duals)
                tight = [int(rows[i]) for i in order if duals[i] > 0]
                return result.x, tight
            rows = np.union1d(rows, broken)
        return None, []


def leaf_groups(table: Table, leaf_cells: np.ndarray) -> np.ndarray | None:
    """Each leaf's group (in `box_incidence` order): its code just below the total in the
    dimension with the most such codes that has a level between total and leaves (state >
    district > school: the district). None when no dimension has such a level."""
    best = None
    for d, dim in enumerate(table.dimensions):
        parents = np.asarray(dim.parents)
        top = np.flatnonzero(parents >= 0)
        top = top[parents[parents[top]] < 0]  # children of the total
        if top.size >= 2 and not dim.is_leaf[top].all() and (best is None or top.size > best[1]):
            best = (d, top.size)
    if best is None:
        return None
    d = best[0]
    chains = _chains(table.dimensions[d])
    depth = (chains >= 0).sum(axis=1)
    # A code's ancestor just below the total: two places before the end of its chain.
    group_of = chains[np.arange(chains.shape[0]), np.maximum(depth - 2, 0)]
    return group_of[np.unravel_index(leaf_cells, table.shape)[d]]


def _chains(dim: Dimension) -> np.ndarray:
    """Each code of a dimension with every code above it, one row per code, -1 padded."""
    chains = []
    for code in range(len(dim.codes)):
        chain = [code]
        while dim.parents[chain[-1]] >= 0:
            chain.append(dim.parents[chain[-1]])
        chains.append(chain)
    depth = max(len(chain) for chain in chains)
    return np.array([chain + [-1] * (depth - len(chain)) for chain in chains], dtype=np.int64)


class _DenseInverse:
    """The inverse of the whole Gram matrix of the live boxes: ``kept`` (independent boxes)
    and ``apply(r)``, ``r`` times the inverse, ``r`` over the kept boxes."""

    def __init__(self, kept: np.ndarray, inverse: np.ndarray):
        self.kept, self.inverse = kept, inverse

    @classmethod
    def build(cls, gram: sparse.csr_matrix) -> _DenseInverse | None:
        kept, inverse = _inverse(gram.toarray())
        return None if inverse is None else cls(kept, inverse)

    def apply(self, r: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(r @ self.inverse)


class _GroupedInverse:
    """The same inverse built group by group: a box inside one group of leaves (a district)
    meets only boxes of its group and the few that span groups (the state's margins), so the
    Gram matrix is block diagonal but for those. Each block is factored on its own and the
    spanning boxes through their Schur complement; a state-sized factor then takes a second,
    where the whole matrix takes ten.

    With blocks ``D`` (inverse ``Di``), spanning part ``C``, ``E = Di C`` and the Schur
    complement ``Z = S - C' E``, a row ``r = [rb, rs]`` times the inverse is
    ``[rb Di - v E', v]`` with ``v = (rs - rb E) Z^-1``.
    """

    def __init__(self, kept, n_blocks, block_inverse, spread, schur_inverse):
        self.kept, self.n_blocks = kept, n_blocks
        self.block_inverse, self.spread, self.schur_inverse = block_inverse, spread, schur_inverse

    @classmethod
    def build(cls, gram: sparse.csr_matrix, box_groups: np.ndarray) -> _GroupedInverse | None:
        spanning = np.flatnonzero(box_groups < 0)
        if spanning.size > MAX_SPANNING or np.unique(box_groups[box_groups >= 0]).size < 2:
            return None
        inside, inverses = [], []
        for group in np.unique(box_groups[box_groups >= 0]):
            boxes = np.flatnonzero(box_groups == group)
            if boxes.size > MAX_MARGINS:
                return None
            kept, inverse = _inverse(gram[boxes][:, boxes].toarray())
            if inverse is None:
                return None
            inside.append(boxes[kept])
            inverses.append(inverse)
        inside = np.concatenate(inside)
        block_inverse = sparse.block_diag(inverses, format="csr")
        coupling = gram[inside][:, spanning].toarray()
        spread = np.asarray(block_inverse @ coupling)
        schur = gram[spanning][:, spanning].toarray() - coupling.T @ spread
        # What the blocks leave of a spanning box may be rounding only (a state margin that is
        # the sum of district margins), and the blocks' inverses amplify rounding: a pivot is
        # kept only above sqrt(eps) of the largest spanning box.
        tolerance = np.sqrt(np.finfo(float).eps) * gram.diagonal()[spanning].max(initial=0.0)
        kept, schur_inverse = (
            _inverse((schur + schur.T) / 2, tolerance) if spanning.size else ([], None)
        )
        if spanning.size and schur_inverse is None:
            return None
        kept = np.asarray(kept, dtype=np.int64)
        return cls(
            np.concatenate([inside, spanning[kept]]),
            inside.size,
            block_inverse,
            np.ascontiguousarray(spread[:, kept]),
            schur_inverse if kept.size else np.zeros((0, 0)),
        )

    def apply(self, r: sparse.csr_matrix) -> np.ndarray:
        inside, spanning = r[:, : self.n_blocks], r[:, self.n_blocks :]
        v = (spanning.toarray() - inside @ self.spread) @ self.schur_inverse
        return np.hstack([(inside @ self.block_inverse).toarray() - v @ self.spread.T, v])


def _box_groups(boxes: sparse.csr_matrix, leaf_groups: np.ndarray) -> np.ndarray:
    """The group of each box's leaves (each box holds at least one), -1 when they span more
    than one group."""
    starts = boxes.indptr[:-1]
    of_leaf = leaf_groups[boxes.indices]
    low = np.minimum.reduceat(of_leaf, starts)
    high = np.maximum.reduceat(of_leaf, starts)
    return np.where(low == high, low, -1)


def _inverse(gram: np.ndarray, tolerance: float = -1.0) -> tuple[np.ndarray, np.ndarray | None]:
    """Independent boxes and the inverse of their Gram matrix (``gram`` is overwritten).

    Published boxes repeat one another (a grand total is the sum of its rows when all are
    published); a pivoted Cholesky factorisation keeps a largest independent set, which fixes
    the same tables, and inverts its Gram matrix. What rounding leaves is caught by the
    residual check of each move. The matrix is symmetric, so its transpose (Fortran order) is
    handed to LAPACK: no copy of a matrix that may take a gigabyte. A pivot below
    ``tolerance`` ends the factorisation (negative: LAPACK's default, relative to ``gram``).
    """
    factor, pivots, rank, info = linalg.lapack.dpstrf(gram.T, lower=1, overwrite_a=1, tol=tolerance)
    if info < 0 or rank == 0:
        return np.zeros(0, dtype=int), None
    kept = pivots[:rank] - 1
    factor = factor if rank == factor.shape[0] else np.asfortranarray(factor[:rank, :rank])
    inverse, info = linalg.lapack.dpotri(factor, lower=1, overwrite_c=1)
    if info != 0:
        return kept, None
    return kept, _symmetric(inverse).T  # C order, as sparse products want it


def _symmetric(lower: np.ndarray, tile: int = 1024) -> np.ndarray:
    """The symmetric matrix whose lower triangle is ``lower``'s, written in place a stripe at
    a time (np.tril over the whole matrix takes seconds and two copies)."""
    n = lower.shape[0]
    for i in range(0, n, tile):
        j = min(i + tile, n)
        diagonal = lower[i:j, i:j]
        lower[i:j, i:j] = np.tril(diagonal) + np.tril(diagonal, -1).T
        lower[i:j, j:] = lower[j:, i:j].T
    return lower
