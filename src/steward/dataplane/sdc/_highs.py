"""One LP solved again and again with a changing objective, warm-started from the last basis.

SciPy ships HiGHS with Python bindings that keep a model between solves; ``linprog`` rebuilds
it on every call. Auditing a table means thousands of solves over one constraint matrix, so we
keep the model. The bindings are private to SciPy, so any failure falls back to ``linprog``.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

try:  # private SciPy module; its absence only costs speed
    from scipy.optimize._highspy import _core
except ImportError:  # pragma: no cover
    _core = None


class WarmLP:
    """min cost @ x subject to row_lower <= matrix @ x <= row_upper and col_lower <= x <= col_upper,
    for many costs."""

    def __init__(
        self,
        matrix: sparse.spmatrix,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        col_lower: np.ndarray,
        col_upper: np.ndarray,
    ) -> None:
        self.matrix = sparse.csc_matrix(matrix)
        self.row_lower = np.asarray(row_lower, dtype=float)
        self.row_upper = np.asarray(row_upper, dtype=float)
        self.col_lower = np.asarray(col_lower, dtype=float)
        self.col_upper = np.asarray(col_upper, dtype=float)
        self.n = self.matrix.shape[1]
        self._highs = self._build() if _core is not None else None

    @classmethod
    def equalities(cls, a_eq: sparse.spmatrix, b_eq: np.ndarray, upper: float) -> WarmLP:
        """a_eq @ x = b_eq with 0 <= x <= upper: the attacker's LP."""
        n = a_eq.shape[1]
        return cls(a_eq, b_eq, b_eq, np.zeros(n), np.full(n, float(upper)))

    def _build(self):
        try:
            highs = _core._Highs()
            highs.setOptionValue("output_flag", False)
            highs.setOptionValue("presolve", "off")  # keep the basis between solves
            # The first solve starts from nothing, where dual simplex is fastest; then each new
            # objective leaves the last basis primal feasible, and primal simplex goes on from
            # there in tens of pivots where dual simplex would start over (`_solve_warm`).
            highs.setOptionValue("simplex_strategy", 1)
            lp = _core.HighsLp()
            lp.num_col_, lp.num_row_ = self.n, self.matrix.shape[0]
            lp.col_cost_ = np.zeros(self.n)
            lp.col_lower_ = self.col_lower
            lp.col_upper_ = self.col_upper
            lp.row_lower_ = self.row_lower
            lp.row_upper_ = self.row_upper
            lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
            lp.a_matrix_.start_ = self.matrix.indptr.astype(np.int32)
            lp.a_matrix_.index_ = self.matrix.indices.astype(np.int32)
            lp.a_matrix_.value_ = self.matrix.data.astype(float)
            highs.passModel(lp)
            return highs
        except Exception:  # pragma: no cover - private API changed
            return None

    def solve(
        self, cost: np.ndarray, cap: tuple[int, float, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The optimal point and the rows' duals (d objective / d row bound).

        ``cap`` (column, lower, upper) bounds one column for this solve only: when we need to know
        that a cell can reach a value, not how far beyond it can go, that saves many pivots.
        """
        if self._highs is not None:
            result = self._solve_warm(cost, cap)
            if result is not None:
                return result
        return self._solve_linprog(cost, cap)

    def _solve_warm(self, cost: np.ndarray, cap):
        try:
            idx = np.arange(self.n, dtype=np.int32)
            self._highs.changeColsCost(self.n, idx, np.asarray(cost, dtype=float))
            if cap is not None:
                self._highs.changeColBounds(cap[0], cap[1], cap[2])
            self._highs.run()
            self._highs.setOptionValue("simplex_strategy", 4)
            optimal = self._highs.getModelStatus() == _core.HighsModelStatus.kOptimal
            solution = self._highs.getSolution()
            result = np.array(solution.col_value), np.array(solution.row_dual)
            if cap is not None:  # restoring the bound resets the status, so read first
                column = cap[0]
                self._highs.changeColBounds(column, self.col_lower[column], self.col_upper[column])
            return result if optimal else None
        except Exception:  # pragma: no cover - private API changed
            self._highs = None
            return None

    def _solve_linprog(self, cost: np.ndarray, cap) -> tuple[np.ndarray, np.ndarray]:
        bounds = np.column_stack([self.col_lower, self.col_upper])
        if cap is not None:
            bounds[cap[0]] = (cap[1], cap[2])
        equal = self.row_lower == self.row_upper
        has_upper = ~equal & np.isfinite(self.row_upper)
        has_lower = ~equal & np.isfinite(self.row_lower)
        rows = self.matrix.tocsr()
        a_ub = sparse.vstack([rows[has_upper], -rows[has_lower]]).tocsr()
        b_ub = np.concatenate([self.row_upper[has_upper], -self.row_lower[has_lower]])
        result = linprog(
            cost,
            A_eq=rows[equal] if equal.any() else None,
            b_eq=self.row_lower[equal] if equal.any() else None,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=b_ub if a_ub.shape[0] else None,
            bounds=bounds,
            method="highs",
        )
        if result.status != 0:
            raise RuntimeError(f"attacker LP failed: {result.message}")
        duals = np.zeros(self.matrix.shape[0])
        if equal.any():
            duals[equal] = result.eqlin.marginals
        if a_ub.shape[0]:
            marginals = result.ineqlin.marginals
            n_upper = int(has_upper.sum())
            duals[has_upper] += marginals[:n_upper]
            duals[has_lower] -= marginals[n_upper:]
        return result.x, duals
