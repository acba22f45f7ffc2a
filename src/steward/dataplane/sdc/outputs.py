"""Checking researchers' results before release (in the manner of the ACRO output checker).

Each cell of a table of statistics is checked from the unit values behind it: the threshold,
zeros, dominance and p% for totals and means, extreme values of single units, and counts are
rounded. Regressions need enough residual degrees of freedom. Every failure carries a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .protect import round_to_base
from .rules import DisclosureRules

STATISTICS = ("count", "sum", "mean", "median", "std", "min", "max", "quantile")
MAGNITUDE_STATISTICS = ("sum", "mean")


@dataclass(frozen=True)
class CellCheck:
    """One cell of a researcher's table: the statistic, whether it may go out, and why not."""

    key: tuple
    statistic: str
    n: int
    value: float | None
    reasons: tuple[str, ...]
    shown: str

    @property
    def passed(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class OutputCheck:
    """The verdict on one output: every cell, and whether all of them pass."""

    kind: str
    cells: tuple[CellCheck, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cells)

    @property
    def failures(self) -> tuple[CellCheck, ...]:
        return tuple(c for c in self.cells if not c.passed)


def check_table(
    groups: Mapping[object, np.ndarray],
    statistic: str,
    rules: DisclosureRules,
    quantile: float = 0.5,
) -> OutputCheck:
    """Check a table whose cells are ``statistic`` of the unit values in each group."""
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(STATISTICS)}, not {statistic!r}")
    cells = []
    for key, units in groups.items():
        values = np.asarray(units, dtype=float).reshape(-1)
        key = key if isinstance(key, tuple) else (key,)
        cells.append(_check_cell(key, values, statistic, rules, quantile))
    return OutputCheck(f"table of {statistic}", tuple(cells))


def _check_cell(key, values, statistic, rules, quantile) -> CellCheck:
    n = int(values.size)
    reasons = []
    if n == 0:
        if statistic == "count" and not rules.zeros_disclosive:
            return CellCheck(key, statistic, 0, 0.0, (), "0")
        reason = "zero: an empty group" if statistic == "count" else "no units in the group"
        return CellCheck(key, statistic, 0, None, (reason,), "*")
    if n < rules.threshold:
        reasons.append(f"threshold: {n} units, fewer than {rules.threshold}")
    if statistic in MAGNITUDE_STATISTICS:
        reasons += _magnitude_reasons(values, rules)
    if statistic in ("min", "max"):
        reasons += _extreme_reasons(values, statistic, rules)
    value = _statistic(values, statistic, quantile)
    if reasons:
        shown = "*"
    elif statistic == "count":
        shown = str(round_to_base(value, rules.rounding_base))
    else:
        shown = f"{value:.6g}"
    return CellCheck(key, statistic, n, value, tuple(reasons), shown)


def _statistic(values: np.ndarray, statistic: str, quantile: float) -> float:
    if statistic == "count":
        return float(values.size)
    if statistic == "quantile":
        return float(np.quantile(values, quantile))
    if statistic == "std":
        return float(np.std(values, ddof=1)) if values.size > 1 else 0.0
    return float(getattr(np, statistic)(values))


def _magnitude_reasons(values: np.ndarray, rules: DisclosureRules) -> list[str]:
    # Dominance and p% speak of shares of a total, so they look at magnitudes.
    magnitudes = -np.sort(-np.abs(values))
    total = magnitudes.sum()
    if total <= 0:
        return []
    reasons = []
    top_n = magnitudes[: rules.n].sum()
    if top_n > rules.k * total:
        share = round(100 * top_n / total)
        reasons.append(f"dominance: the largest {rules.n} units make up {share}% of the total")
    x1 = magnitudes[0]
    x2 = magnitudes[1] if magnitudes.size > 1 else 0.0
    if total - x1 - x2 < rules.p * x1:
        reasons.append(
            f"p%: the second largest unit could estimate the largest within {round(rules.p * 100)}%"
        )
    return reasons


def _extreme_reasons(values: np.ndarray, statistic: str, rules: DisclosureRules) -> list[str]:
    extreme = values.min() if statistic == "min" else values.max()
    sharing = int(np.sum(values == extreme))
    if sharing < rules.threshold:
        return [f"extreme value: the {statistic} is the value of {sharing} unit(s)"]
    return []


def check_counts(counts: Mapping[object, int], rules: DisclosureRules) -> OutputCheck:
    """Check an already tabulated frequency table (the threshold, zeros, then rounding)."""
    cells = []
    for key, count in counts.items():
        key = key if isinstance(key, tuple) else (key,)
        count = int(count)
        reasons = []
        if count == 0 and rules.zeros_disclosive:
            reasons.append("zero: an empty cell")
        elif 0 < count < rules.threshold:
            reasons.append(f"threshold: {count} units, fewer than {rules.threshold}")
        shown = "*" if reasons else str(round_to_base(count, rules.rounding_base))
        cells.append(CellCheck(key, "count", count, float(count), tuple(reasons), shown))
    return OutputCheck("table of counts", tuple(cells))


def check_regression(residual_dof: int, rules: DisclosureRules, name: str = "model") -> OutputCheck:
    """A model passes when it leaves at least ``rules.dof`` residual degrees of freedom."""
    reasons = ()
    if residual_dof < rules.dof:
        reasons = (f"degrees of freedom: {residual_dof} residual, fewer than {rules.dof}",)
    cell = CellCheck((name,), "regression", int(residual_dof), float(residual_dof), reasons, "")
    return OutputCheck("regression", (cell,))
