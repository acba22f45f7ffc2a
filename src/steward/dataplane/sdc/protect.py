"""Protecting a table: primary and complementary suppression, then rounding and rate coding."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .audit import EXACT_AUDIT_LIMIT, AuditResult, audit, seconds_left
from .certificate import (
    intervals_note,
    make_certificate,
    make_public_certificate,
    make_summary_certificate,
)
from .exact import protect_exact
from .heuristic import cell_costs, heuristic_with_audit, protect_baseline
from .primary import sensitivity
from .rules import DisclosureRules
from .table import Table

EXACT_CELL_LIMIT = 1500  # "auto" tries the MILP up to this many cells
EXACT_TIME_LIMIT = 20.0
SUPPRESSED = "*"


@dataclass(frozen=True, eq=False)
class Protection:
    """A table with its suppression pattern, the method that chose it and the audit of it."""

    table: Table
    rules: DisclosureRules
    suppressed: np.ndarray  # flat boolean mask
    primary: np.ndarray  # flat boolean mask of sensitive cells
    method: str
    cost: str
    audit: AuditResult

    @property
    def n_suppressed(self) -> int:
        return int(self.suppressed.sum())

    @property
    def value_suppressed(self) -> float:
        return float(self.table.flat_values[self.suppressed].sum())

    @property
    def n_secondary(self) -> int:
        return int((self.suppressed & ~self.primary).sum())

    def certificate(
        self, issued_at: str, *, public: bool = True, intervals: bool | None = None
    ) -> dict[str, Any]:
        """The audit certificate; ``issued_at`` is supplied by the caller (an ISO timestamp).

        The public form may leave with the table; ``public=False`` gives the full form, which
        holds hidden cells' values and is for internal use only. ``intervals=False`` gives the
        public form without the hidden cells' intervals (the summary form); by default the
        intervals are given when the hidden cells' largest block is small enough for exact
        intervals (`intervals_note`), and otherwise the summary says why they are not.
        """
        note = None
        if public and intervals is None:
            note = intervals_note(self.table, self.suppressed)
            intervals = note is None
        if public and not intervals:
            return make_summary_certificate(
                self.table, self.suppressed, self.rules, self.method, issued_at, self.audit, note
            )
        make = make_public_certificate if public else make_certificate
        return make(self.table, self.suppressed, self.rules, self.method, issued_at, self.audit)


def protect(
    table: Table,
    rules: DisclosureRules,
    method: str = "auto",
    cost: str = "cells",
    suppressed: np.ndarray | None = None,
    time_limit: float = EXACT_TIME_LIMIT,
    audit_seconds: float | None = None,
) -> Protection:
    """Suppress sensitive cells and enough others that none can be narrowed below protection.

    ``method`` is "exact" (MILP), "heuristic" (scales to large tables), "baseline" (the simple
    textbook rule, for comparison) or "auto" (exact when the table is small enough and the MILP
    finishes in ``time_limit`` seconds). ``cost`` minimises the number of cells ("cells") or the
    total value ("value") suppressed. ``suppressed`` forces cells hidden already (for example by
    an earlier release) to stay hidden. ``audit_seconds`` bounds the time spent in LP audits
    (by default none): when it runs out, the audit is incomplete and the table fails it, for no
    table leaves without a finished audit.
    """
    deadline = None if audit_seconds is None else time.monotonic() + audit_seconds
    sens = sensitivity(table, rules)
    start = None if suppressed is None else np.asarray(suppressed, dtype=bool).reshape(-1)
    costs = cell_costs(table.flat_values, cost)
    mask, used = None, method
    if method in ("auto", "exact") and (method == "exact" or table.n_cells <= EXACT_CELL_LIMIT):
        mask, used = protect_exact(table, sens, costs, start, time_limit), "exact"
    checked = None
    if mask is None and method in ("auto", "heuristic"):
        mask, checked = heuristic_with_audit(table, rules, sens, cost, start, deadline)
        used = "heuristic"
    if mask is None and method == "baseline":
        mask = protect_baseline(table, sens) | (start if start is not None else False)
    if mask is None:
        if method == "exact":
            raise TimeoutError("the exact method did not finish within its time limit")
        raise ValueError(f"unknown method {method!r}: use auto, exact, heuristic or baseline")
    # The heuristic's last audit is the same audit when it saw this very mask, at the same
    # exactness: no need to solve its LPs twice.
    exact = int(mask.sum()) <= EXACT_AUDIT_LIMIT
    if checked is None or exact or checked[0] is not mask:
        result = audit(table, mask, rules, time_budget=seconds_left(deadline))
    else:
        result = checked[1]
    return Protection(table, rules, mask, sens.sensitive, used, cost, result)


def round_to_base(value: float, base: int) -> int:
    """Round half up to the nearest multiple of ``base``."""
    return int(math.floor(value / base + 0.5) * base)


def display_values(
    protection: Protection,
    denominators: Table | None = None,
    round_counts: bool = True,
) -> list[str]:
    """What each cell shows when published (flat order): rounded counts, coded rates, or "*".

    With ``denominators`` (the group sizes, same shape) the cells become rates; small groups'
    extreme rates are coded as ranges, in the same pass as rounding and suppression.
    """
    rules = protection.rules
    values = protection.table.flat_values
    shown: list[str] = []
    dens = None if denominators is None else denominators.flat_values
    for i, value in enumerate(values):
        if protection.suppressed[i]:
            shown.append(SUPPRESSED)
        elif dens is not None:
            shown.append(_rate(value, dens[i], rules))
        elif protection.table.kind == "frequency" and round_counts:
            shown.append(str(round_to_base(value, rules.rounding_base)))
        else:
            shown.append(f"{value:g}")
    return shown


def _rate(numerator: float, denominator: float, rules: DisclosureRules) -> str:
    if denominator <= 0:
        return SUPPRESSED
    rate = numerator / denominator
    if denominator < rules.rate_group_size:
        if rate <= rules.rate_low:
            return f"<={_percent(rules.rate_low)}%"
        if rate >= rules.rate_high:
            return f">={_percent(rules.rate_high)}%"
    return f"{_percent(rate)}%"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}"
