"""Optimal complementary suppression for small tables: a MILP with attacker-LP cut generation.

The master problem chooses which cells to suppress at least cost; for each sensitive cell the
attacker's LP is solved against that choice, and when the cell can be narrowed too far, the
LP's duals give a Fischetti-Salazar cut that every protecting pattern must satisfy.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .attacker import TOLERANCE, AttackerSystem, attacker_bound, exact_extreme
from .primary import Sensitivity
from .table import Table

MAX_ROUNDS = 200


def protect_exact(
    table: Table,
    sens: Sensitivity,
    costs: np.ndarray,
    start: np.ndarray | None = None,
    time_limit: float = 60.0,
) -> np.ndarray | None:
    """The cheapest suppression pattern that passes the attacker LPs, or None if out of time."""
    values = table.flat_values
    relations = table.relations
    forced = sens.sensitive | (start if start is not None else False)
    bound = attacker_bound(values)
    targets = [
        (int(i), sign, float(need[i]))
        for sign, need in ((1, sens.upper), (-1, sens.lower))
        for i in np.flatnonzero(sens.sensitive & (need > TOLERANCE))
    ]
    cuts: list[np.ndarray] = []
    rhs: list[float] = []
    for cell, sign, need in targets:
        for coefs in _line_cuts(relations, values, cell, sign, bound):
            cuts.append(np.minimum(coefs, need))
            rhs.append(need)
    deadline = time.monotonic() + time_limit
    for _ in range(MAX_ROUNDS):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        mask = _solve_master(costs, forced, cuts, rhs, remaining)
        if mask is None:
            return None
        new, failing = _violated_cuts(relations, values, mask, targets, bound)
        if not failing:
            return mask
        if not new:
            return None  # numerical trouble: no cut separates this pattern
        for coefs, need in new:
            cuts.append(np.minimum(coefs, need))
            rhs.append(need)
    return None


def _solve_master(costs, forced, cuts, rhs, time_limit) -> np.ndarray | None:
    n = costs.size
    constraints = []
    if cuts:
        matrix = sparse.csr_matrix(np.vstack(cuts)) if len(cuts) < 50 else _stack(cuts)
        constraints.append(LinearConstraint(matrix, lb=np.array(rhs), ub=np.inf))
    result = milp(
        costs,
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(forced.astype(float), np.ones(n)),
        options={"time_limit": max(time_limit, 0.1), "disp": False},
    )
    if result.status != 0 or result.x is None:
        return None
    return result.x > 0.5


def _stack(cuts: list[np.ndarray]) -> sparse.csr_matrix:
    return sparse.vstack([sparse.csr_matrix(c) for c in cuts]).tocsr()


def _line_cuts(relations, values, cell, sign, bound):
    """Cuts from single lines: within each line the cell needs partners able to absorb its move."""
    column = relations[:, cell].tocoo()
    for r, coef in zip(column.row, column.data, strict=True):
        row = relations.getrow(r).toarray().ravel()
        # Multiplier chosen so the cell's own reduced cost is zero.
        reduced = sign * row / coef
        reduced[cell] = 0.0
        yield np.maximum(reduced, 0.0) * values + np.maximum(-reduced, 0.0) * (bound - values)


def _violated_cuts(relations, values, mask, targets, bound):
    system = AttackerSystem.build(relations, values, mask)
    position = system.position()
    found, failing = [], False
    for cell, sign, need in targets:
        reached, duals = exact_extreme(system, position[cell], sign)
        if sign * (reached - values[cell]) >= need - TOLERANCE:
            continue
        failing = True
        cost = np.zeros(values.size)
        cost[cell] = -sign
        reduced = cost - relations.T @ duals
        coefs = np.maximum(reduced, 0.0) * values + np.maximum(-reduced, 0.0) * (bound - values)
        if coefs[mask].sum() < need - TOLERANCE:
            found.append((coefs, need))
    return found, failing
