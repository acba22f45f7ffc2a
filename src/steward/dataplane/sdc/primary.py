"""Primary suppression: which cells are sensitive, why, and how much protection each needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rules import DisclosureRules
from .table import Table


@dataclass(frozen=True)
class Sensitivity:
    """Per cell (flat order): sensitive or not, the rule that fired, and protection levels.

    ``upper`` is how far above its true value an attacker's best upper bound must reach;
    ``lower`` how far below its true value the best lower bound must reach.
    """

    sensitive: np.ndarray
    reasons: tuple[str, ...]
    upper: np.ndarray
    lower: np.ndarray


def sensitivity(table: Table, rules: DisclosureRules) -> Sensitivity:
    """Apply the threshold, zero, dominance and p% rules to every cell of the table."""
    if table.kind == "magnitude":
        return _magnitude(table, rules)
    return _frequency(table, rules)


def _frequency(table: Table, rules: DisclosureRules) -> Sensitivity:
    # Frequency protection: the attacker's upper bound must reach the threshold, so no one can
    # prove the cell is small; and it must move at least one unit, so the cell is never exact.
    values = table.flat_values
    small = (values > 0) & (values < rules.threshold)
    zero = (values == 0) & rules.zeros_disclosive
    sensitive = small | zero
    upper = np.where(sensitive, np.maximum(rules.threshold - values, 1.0), 0.0)
    reasons = tuple(
        "threshold" if s else ("zero" if z else "") for s, z in zip(small, zero, strict=True)
    )
    return Sensitivity(sensitive, reasons, upper, np.zeros_like(values))


def _magnitude(table: Table, rules: DisclosureRules) -> Sensitivity:
    # Magnitude protection follows the usual p%/dominance levels: the interval must be wide
    # enough that the largest contributor's value cannot be estimated closely, on both sides.
    total = table.flat_values
    count = table.contributors
    top = table.top.reshape(total.size, -1)
    top_n = top[:, : rules.n].sum(axis=1)
    x1, x2 = top[:, 0], top[:, 1] if top.shape[1] > 1 else np.zeros_like(total)
    remainder = total - x1 - x2
    few = (count > 0) & (count < rules.threshold)
    dominated = (total > 0) & (top_n > rules.k * total)
    p_rule = (total > 0) & (remainder < rules.p * x1)
    zero = (count == 0) & rules.zeros_disclosive
    need_p = np.maximum(rules.p * x1 - remainder, 0.0)
    need_k = np.maximum(top_n / rules.k - total, 0.0)
    need_few = rules.p * total
    upper = np.zeros_like(total)
    upper = np.where(few, np.maximum(upper, need_few), upper)
    upper = np.where(dominated, np.maximum(upper, need_k), upper)
    upper = np.where(p_rule, np.maximum(upper, need_p), upper)
    sensitive = few | dominated | p_rule | zero
    upper = np.where(sensitive, np.maximum(upper, 1.0), 0.0)
    lower = np.minimum(np.where(zero, 0.0, upper), total)
    reasons = tuple(
        ",".join(
            name
            for name, hit in (("threshold", f), ("dominance", d), ("p%", p), ("zero", z))
            if hit
        )
        for f, d, p, z in zip(few, dominated, p_rule, zero, strict=True)
    )
    return Sensitivity(sensitive, reasons, upper, lower)
