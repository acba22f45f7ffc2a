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
    """min cost @ x subject to a_eq @ x = b_eq and 0 <= x <= upper, for many costs."""

    def __init__(self, a_eq: sparse.spmatrix, b_eq: np.ndarray, upper: float) -> None:
        self.a_eq = sparse.csc_matrix(a_eq)
        self.b_eq = np.asarray(b_eq, dtype=float)
        self.upper = float(upper)
        self.n = self.a_eq.shape[1]
        self._highs = self._build() if _core is not None else None

    def _build(self):
        try:
            highs = _core._Highs()
            highs.setOptionValue("output_flag", False)
            highs.setOptionValue("presolve", "off")  # keep the basis between solves
            # A new objective leaves the last basis primal feasible: primal simplex goes on
            # from there in tens of pivots where dual simplex starts over.
            highs.setOptionValue("simplex_strategy", 4)
            lp = _core.HighsLp()
            lp.num_col_, lp.num_row_ = self.n, self.a_eq.shape[0]
            lp.col_cost_ = np.zeros(self.n)
            lp.col_lower_ = np.zeros(self.n)
            lp.col_upper_ = np.full(self.n, self.upper)
            lp.row_lower_ = self.b_eq
            lp.row_upper_ = self.b_eq
            lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
            lp.a_matrix_.start_ = self.a_eq.indptr.astype(np.int32)
            lp.a_matrix_.index_ = self.a_eq.indices.astype(np.int32)
            lp.a_matrix_.value_ = self.a_eq.data.astype(float)
            highs.passModel(lp)
            return highs
        except Exception:  # pragma: no cover - private API changed
            return None

    def solve(
        self, cost: np.ndarray, cap: tuple[int, float, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The optimal point and the equality rows' duals (d objective / d b_eq).

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
            optimal = self._highs.getModelStatus() == _core.HighsModelStatus.kOptimal
            solution = self._highs.getSolution()
            result = np.array(solution.col_value), np.array(solution.row_dual)
            if cap is not None:  # restoring the bound resets the status, so read first
                self._highs.changeColBounds(cap[0], 0.0, self.upper)
            return result if optimal else None
        except Exception:  # pragma: no cover - private API changed
            self._highs = None
            return None

    def _solve_linprog(self, cost: np.ndarray, cap) -> tuple[np.ndarray, np.ndarray]:
        has_rows = self.a_eq.shape[0] > 0
        bounds = [(0.0, self.upper)] * self.n
        if cap is not None:
            bounds[cap[0]] = (cap[1], cap[2])
        result = linprog(
            cost,
            A_eq=self.a_eq if has_rows else None,
            b_eq=self.b_eq if has_rows else None,
            bounds=bounds,
            method="highs",
        )
        if result.status != 0:
            raise RuntimeError(f"attacker LP failed: {result.message}")
        duals = result.eqlin.marginals if has_rows else np.zeros(0)
        return result.x, np.asarray(duals)
