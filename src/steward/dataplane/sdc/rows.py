"""``protect_rows``: protect leaf counts held in memory (CSV text or rows) and lay the published
table out as rows, one column per dimension, margins included.

A dimension whose codes each fall within one code of the dimension before it (schools within
districts) is nested under it, so the table has a district > school hierarchy.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .protect import SUPPRESSED, Protection, display_values, protect
from .rules import DisclosureRules
from .table import TOTAL, Dimension, TableError, all_code_tuples, build_table


@dataclass(frozen=True, eq=False)
class ProtectedRows:
    """A protected table laid out for publication: its columns and, per cell in flat order,
    the codes of each column and the value shown ("*" when hidden)."""

    protection: Protection
    columns: list[str]
    cells: list[tuple[list[str], str]]

    @property
    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        for codes, shown in self.cells:
            writer.writerow([*codes, shown])
        return buffer.getvalue()


def protect_rows(
    text_or_rows: str | Sequence[Mapping[str, Any]],
    dims: Sequence[str],
    count: str,
    rules: DisclosureRules,
    denominator: str | None = None,
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
    method: str = "auto",
    name: str = "table",
    audit_seconds: float | None = None,
) -> ProtectedRows:
    """Protect leaf counts (CSV text, or rows mapping column to value) without touching disk.

    With ``denominator`` the published cells are rates (column ``<count>_rate``), small groups'
    extreme rates coded as ranges. ``name`` names the input in error messages;
    ``audit_seconds`` is `protect`'s.
    """
    rows = _rows(text_or_rows, name, dims, [count, *([denominator] if denominator else [])])
    groups = _nesting(rows, dims) if not hierarchies else [[d] for d in dims]
    columns, parent_maps = _columns(rows, groups, hierarchies or {})
    table = build_table(columns, parent_maps, weights=[float(r[count]) for r in rows])
    dens = None
    if denominator:
        dens = build_table(columns, parent_maps, weights=[float(r[denominator]) for r in rows])
    protection = protect(table, rules, method=method, audit_seconds=audit_seconds)
    shown = display_values(protection, dens)
    cells = [
        ([v for g, c, dim in zip(groups, codes, table.dimensions, strict=True)
          for v in _split(g, c, dim)], shown[i])
        for i, codes in enumerate(all_code_tuples(table))
    ]  # fmt: skip
    value_column = f"{count}_rate" if denominator else count
    return ProtectedRows(protection, [*(d for g in groups for d in g), value_column], cells)


def _rows(source, name: str, dims: Sequence[str], numbers: Sequence[str]) -> list[dict[str, str]]:
    if isinstance(source, str):
        reader = csv.DictReader(io.StringIO(source.removeprefix("\ufeff"), newline=""))
        reader.fieldnames = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in [*dims, *numbers] if c not in reader.fieldnames]
        if missing:
            raise TableError(f"{name}: missing column(s) {', '.join(missing)}")
        source = list(reader)
    rows = []
    for line_no, raw in enumerate(source, start=2):
        row = {d: str(raw[d]).strip() for d in dims}
        for d in dims:
            if row[d] == TOTAL:
                raise TableError(f"{name}, line {line_no}: {TOTAL!r} is reserved in column {d!r}")
        for column in numbers:
            row[column] = str(_whole(raw[column], name, line_no, column))
        rows.append(row)
    return rows


def _whole(text: Any, name: str, line_no: int, column: str) -> int:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise TableError(f"{name}, line {line_no}: column {column!r} is not a number") from None
    if value < 0 or value != int(value):
        raise TableError(f"{name}, line {line_no}: column {column!r} must be a whole count")
    return int(value)


def _nesting(rows: list[dict[str, str]], dims: Sequence[str]) -> list[list[str]]:
    """Group dimensions into chains where each one's codes nest within the previous one's."""
    groups: list[list[str]] = []
    for d in dims:
        if groups and _nested(rows, groups[-1][-1], d):
            groups[-1].append(d)
        else:
            groups.append([d])
    return groups


def _nested(rows: list[dict[str, str]], outer: str, inner: str) -> bool:
    owner: dict[str, str] = {}
    for row in rows:
        if owner.setdefault(row[inner], row[outer]) != row[outer]:
            return False
    return len(set(owner)) > len(set(owner.values()))


def _columns(rows, groups, hierarchies):
    columns: dict[str, list[str]] = {}
    parent_maps: dict[str, dict[str, str]] = {}
    for group in groups:
        name = "/".join(group)
        if len(group) == 1:
            columns[name] = [r[group[0]] for r in rows]
            if group[0] in hierarchies:
                parent_maps[name] = dict(hierarchies[group[0]])
            continue
        # Codes carry their column so a school and a district may share a code.
        parents: dict[str, str] = {}
        for row in rows:
            above = TOTAL
            for d in group:
                code = f"{d}={row[d]}"
                parents[code] = above
                above = code
        columns[name] = [f"{group[-1]}={r[group[-1]]}" for r in rows]
        parent_maps[name] = parents
    return columns, parent_maps


def _split(group: list[str], code: str, dim: Dimension) -> list[str]:
    """A nested code back into one column per level: its ancestors, then Total below it."""
    if len(group) == 1:
        return [code]
    values = dict.fromkeys(group, TOTAL)
    index = dim.index[code]
    while index >= 0 and dim.codes[index] != TOTAL:
        column, _, value = dim.codes[index].partition("=")
        values[column] = value
        index = dim.parents[index]
    return list(values.values())


def protect_magnitude_rows(
    rows: Sequence[Mapping[str, Any]],
    dims: Sequence[str],
    amount: str,
    rules: DisclosureRules,
    method: str = "auto",
    name: str = "table",
    rounding: float = 100.0,
) -> ProtectedRows:
    """Protect a magnitude table (wages, hours) from one row per contributor, and publish each
    cell's average per contributor, rounded to ``rounding``; "*" where hidden.

    Cells are sensitive under the threshold (too few contributors), dominance and p% rules, and
    complementary suppression protects their totals as for counts. The average of a published
    cell reveals no more than its total, which the rules allow to be published.
    """
    clean: list[dict[str, str]] = []
    amounts: list[float] = []
    for line_no, raw in enumerate(rows, start=2):
        row = {d: str(raw[d]).strip() for d in dims}
        if any(row[d] == TOTAL for d in dims):
            raise TableError(f"{name}, line {line_no}: {TOTAL!r} is reserved")
        try:
            value = float(raw[amount])
        except (TypeError, ValueError):
            raise TableError(f"{name}, line {line_no}: {amount!r} is not a number") from None
        if value < 0:
            raise TableError(f"{name}, line {line_no}: {amount!r} must not be negative")
        clean.append(row)
        amounts.append(value)
    groups = _nesting(clean, dims)
    columns, parent_maps = _columns(clean, groups, {})
    table = build_table(columns, parent_maps, magnitude=amounts, top_n=max(rules.n, 2))
    protection = protect(table, rules, method=method)
    totals, counts = table.flat_values, table.contributors
    shown = [
        SUPPRESSED
        if protection.suppressed[i] or counts[i] == 0
        else f"{round(totals[i] / counts[i] / rounding) * rounding:.0f}"
        for i in range(table.n_cells)
    ]
    cells = [
        ([v for g, c, dim in zip(groups, codes, table.dimensions, strict=True)
          for v in _split(g, c, dim)], shown[i])
        for i, codes in enumerate(all_code_tuples(table))
    ]  # fmt: skip
    return ProtectedRows(protection, [*(d for g in groups for d in g), f"average_{amount}"], cells)
