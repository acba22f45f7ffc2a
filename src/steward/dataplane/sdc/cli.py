"""``protect_csv``: protect a CSV of leaf counts; write the published table and a certificate."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .protect import Protection, display_values, protect
from .rules import DisclosureRules
from .table import TOTAL, Dimension, Table, TableError, all_code_tuples, build_table


def atomic_write(path: str | Path, text: str) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over the target."""
    path = Path(path)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def protect_csv(
    in_path: str | Path,
    out_path: str | Path,
    cert_path: str | Path,
    dims: list[str],
    count: str,
    rules: DisclosureRules,
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
    method: str = "auto",
    issued_at: str | None = None,
) -> Protection:
    """Protect a CSV of leaf counts; write every cell (margins too) as published, and a certificate.

    A dimension whose codes each fall within one code of the dimension before it (schools within
    districts) is nested under it, so the table has a district > school hierarchy.
    """
    rows = _read_rows(in_path, dims, count)
    groups = _nesting(rows, dims) if not hierarchies else [[d] for d in dims]
    columns, parent_maps = _columns(rows, groups, hierarchies or {})
    weights = [float(r[count]) for r in rows]
    table = build_table(columns, parent_maps, weights=weights)
    protection = protect(table, rules, method=method)
    atomic_write(out_path, _published_csv(table, protection, groups, count))
    issued_at = issued_at or datetime.now(UTC).isoformat(timespec="seconds")
    atomic_write(cert_path, json.dumps(protection.certificate(issued_at), indent=2) + "\n")
    return protection


def _read_rows(path: str | Path, dims: Sequence[str], count: str) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in [*dims, count] if c not in (reader.fieldnames or [])]
        if missing:
            raise TableError(f"{path}: missing column(s) {', '.join(missing)}")
        rows = list(reader)
    for line_no, row in enumerate(rows, start=2):
        try:
            value = float(row[count])
        except ValueError:
            raise TableError(f"{path}, line {line_no}: column {count!r} is not a number") from None
        if value < 0 or value != int(value):
            raise TableError(f"{path}, line {line_no}: column {count!r} must be a whole count")
        for d in dims:
            if row[d].strip() == TOTAL:
                raise TableError(f"{path}, line {line_no}: {TOTAL!r} is reserved in column {d!r}")
    return rows


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
            columns[name] = [r[group[0]].strip() for r in rows]
            if group[0] in hierarchies:
                parent_maps[name] = dict(hierarchies[group[0]])
            continue
        # Codes carry their column so a school and a district may share a code.
        parents: dict[str, str] = {}
        for row in rows:
            above = TOTAL
            for d in group:
                code = f"{d}={row[d].strip()}"
                parents[code] = above
                above = code
        columns[name] = [f"{group[-1]}={r[group[-1]].strip()}" for r in rows]
        parent_maps[name] = parents
    return columns, parent_maps


def _published_csv(table: Table, protection: Protection, groups, count: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*(d for g in groups for d in g), count])
    shown = display_values(protection)
    for codes, text in zip(all_code_tuples(table), shown, strict=True):
        row: list[str] = []
        for group, code, dim in zip(groups, codes, table.dimensions, strict=True):
            row += _split(group, code, dim)
        writer.writerow([*row, text])
    return buffer.getvalue()


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


def certificate_from_file(path: str | Path) -> dict[str, Any]:
    """Read a certificate written by ``protect_csv``."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
