"""The reusable HiGHS model and its linprog fallback solve the same LPs to the same optimum."""

import numpy as np
import pytest
from scipy import sparse

from steward.dataplane.sdc._highs import WarmLP


def _lp(seed: int) -> WarmLP:
    """Equalities binding 12 variables in [0, 50], and two one-sided inequality rows."""
    rng = np.random.default_rng(seed)
    point = rng.integers(0, 20, 12).astype(float)  # a feasible point
    equal = sparse.csr_matrix(rng.integers(0, 2, (5, 12)).astype(float))
    upper_row = rng.integers(0, 2, (1, 12)).astype(float)
    lower_row = rng.integers(0, 2, (1, 12)).astype(float)
    matrix = sparse.vstack([equal, upper_row, lower_row])
    lhs = matrix @ point
    row_lower = np.concatenate([lhs[:5], [-np.inf], [lhs[6] - 3]])
    row_upper = np.concatenate([lhs[:5], [lhs[5] + 4], [np.inf]])
    return WarmLP(matrix, row_lower, row_upper, np.zeros(12), np.full(12, 50.0))


def _feasible(lp: WarmLP, x: np.ndarray) -> bool:
    lhs = lp.matrix @ x
    return bool(
        np.all(lhs >= lp.row_lower - 1e-6)
        and np.all(lhs <= lp.row_upper + 1e-6)
        and np.all(x >= lp.col_lower - 1e-6)
        and np.all(x <= lp.col_upper + 1e-6)
    )


@pytest.mark.parametrize("seed", range(6))
def test_warm_and_fallback_reach_the_same_optimum(seed):
    warm, fallback = _lp(seed), _lp(seed)
    fallback._highs = None  # what an install without SciPy's private HiGHS bindings runs
    assert warm._highs is not None
    rng = np.random.default_rng(100 + seed)
    for _ in range(4):  # several objectives on one model: the warm path reuses its basis
        cost = rng.normal(size=12)
        x_warm, _ = warm.solve(cost)
        x_fallback, duals = fallback.solve(cost)
        assert _feasible(warm, x_warm) and _feasible(fallback, x_fallback)
        assert cost @ x_warm == pytest.approx(cost @ x_fallback, abs=1e-6)
        assert duals.shape == (7,)


def test_a_cap_holds_for_one_solve_only():
    lp = _lp(1)
    cost = np.zeros(12)
    cost[0] = -1.0  # push the first variable as high as it goes
    highest = lp.solve(cost)[0][0]
    assert highest > 1
    capped = lp.solve(cost, (0, 0.0, highest / 2))[0][0]
    assert capped == pytest.approx(highest / 2)
    assert lp.solve(cost)[0][0] == pytest.approx(highest)
