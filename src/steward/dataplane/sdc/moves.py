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

from .table import Table

WEIGHT_POWER = 1.5  # measured on the state table: 1 certifies 96 % of cells alone, 1.5 99.9 %
MAX_MARGINS = 15_000  # the factor is dense: 15,000 published margins take 1.8 GB
RESIDUAL = 1e-8  # how far a point may leave a published sum, relative to the largest leaf
GAIN = 1e-6  # a move that raises its target less than this per unit is no move
CHUNK = 500  # targets whose moves are built together (each needs a dense row per leaf)


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


class SpreadMoves:
    """The hidden leaves, the published boxes over them, and the factor that builds moves."""

    def __init__(self, table: Table, suppressed: np.ndarray) -> None:
        incidence, leaf_cells = box_incidence(table)
        values = table.flat_values.astype(float)
        hidden_leaf = suppressed[leaf_cells]
        self.cells = incidence[:, hidden_leaf].tocsr()  # every cell's hidden leaves
        self.leaf_values = values[leaf_cells][hidden_leaf]
        self.values = values
        self.scale = max(float(np.abs(self.leaf_values).max(initial=0.0)), 1.0)
        published = self.cells[~suppressed]
        self.boxes = published[np.diff(published.indptr) > 0].tocsr()
        self.weights = self.leaf_values**WEIGHT_POWER
        gram = (self.boxes @ sparse.diags(self.weights) @ self.boxes.T).tocsr()
        self.live = gram.diagonal() > 0  # boxes holding a leaf that can give
        self.usable = 0 < self.live.sum() <= MAX_MARGINS
        if self.usable:
            live = np.flatnonzero(self.live)
            kept, self.inverse = _inverse(gram[live][:, live].toarray())
            self.live_boxes = self.boxes[live[kept]].tocsr()
            self.usable = self.inverse is not None

    def reach(
        self, targets: np.ndarray, need: np.ndarray, sign: int, deadline: float | None = None
    ) -> np.ndarray:
        """How far (sign 1: up, -1: down) a checked move takes each target cell towards its
        ``need``: the need itself where a move gets there, less where the move falls short, the
        true value where no move helps."""
        best = self.values[targets].copy()
        if not self.usable:
            return best
        short = np.flatnonzero(sign * (need - best) > 0)
        for start in range(0, short.size, CHUNK):
            if deadline is not None and time.monotonic() > deadline:
                break
            chunk = short[start : start + CHUNK]
            best[chunk] = self._reach_chunk(
                targets[chunk], sign * (need[chunk] - best[chunk]), sign
            )
        return best

    def _reach_chunk(self, cells: np.ndarray, distance: np.ndarray, sign: int) -> np.ndarray:
        moves, step, ok, gain = self._moves(cells, distance, sign)
        return self.values[cells] + sign * np.where(ok, step * gain, 0.0)

    def point(self, cell: int, need: float, sign: int = 1) -> np.ndarray | None:
        """The whole table (flat, margins included) that the move for ``cell`` reaches: every
        published cell at its value, every cell non-negative. None when no move helps."""
        distance = np.array([sign * (need - self.values[cell])])
        if not self.usable or distance[0] <= 0:
            return None
        moves, step, ok, _ = self._moves(np.array([cell]), distance, sign)
        if not ok[0]:
            return None
        return self.values + self.cells @ (step[0] * moves[0])

    def _moves(self, cells: np.ndarray, distance: np.ndarray, sign: int):
        """Each target's move over the hidden leaves, the step it can take towards ``distance``,
        whether that step is checked, and the target's gain per unit step."""
        own = self.cells[cells]  # targets x hidden leaves
        # The raise is spread over the cell's own leaves; a zero leaf can rise but not fall.
        spread = self.leaf_values + (1.0 if sign > 0 else 0.0)
        profile = own.multiply(spread).tocsr()
        mass = np.asarray(profile.sum(axis=1)).ravel()
        movable = mass > 0
        profile = sparse.diags(np.where(movable, 1.0 / np.where(movable, mass, 1.0), 0.0)) @ profile
        potential = (profile @ self.live_boxes.T) @ self.inverse  # targets x live boxes
        moves = np.asarray(-(potential @ self.live_boxes) * self.weights)
        coo = profile.tocoo()
        moves[coo.row, coo.col] += coo.data
        moves *= sign
        gain = np.asarray((own.multiply(moves)).sum(axis=1)).ravel() * sign
        with np.errstate(divide="ignore", invalid="ignore"):
            depletion = np.where(moves < 0, -moves / self.leaf_values, 0.0)
        worst = depletion.max(axis=1, initial=0.0)
        # The step: as far as the need, and no further than the first leaf reaching zero.
        wanted = np.where(gain > GAIN, distance / np.where(gain > GAIN, gain, 1.0), 0.0)
        limit = np.where(worst > 0, 1.0 / np.where(worst > 0, worst, 1.0), np.inf)
        step = np.minimum(wanted, limit)
        # Check the point actually reached against every published box (dead boxes included),
        # not the algebra that built it.
        residual = np.abs(np.asarray(self.boxes @ moves.T)).max(axis=0, initial=0.0) * step
        ok = movable & (residual <= RESIDUAL * self.scale) & np.isfinite(step) & (step > 0)
        return moves, step, ok, gain


def _inverse(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Independent boxes and the inverse of their Gram matrix.

    Published boxes repeat one another (a grand total is the sum of its rows when all are
    published); a pivoted Cholesky factorisation keeps a largest independent set, which fixes
    the same tables, and inverts its Gram matrix. What rounding leaves is caught by the
    residual check of each move.
    """
    factor, pivots, rank, info = linalg.lapack.dpstrf(gram, lower=1)
    if info < 0 or rank == 0:
        return np.zeros(0, dtype=int), None
    kept = pivots[:rank] - 1
    inverse, info = linalg.lapack.dpotri(np.tril(factor[:rank, :rank]), lower=1)
    if info != 0:
        return kept, None
    return kept, np.tril(inverse) + np.tril(inverse, -1).T
