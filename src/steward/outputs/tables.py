"""Reading an uploaded table of counts and protecting it in memory: nothing touches the disk.

The library's `protect_rows` builds and protects the table, as `protect_csv` does for
`steward protect` (a dimension whose codes each fall within one code of the dimension before it
is nested under it: schools within districts), so the page, the API and the command publish
the same cells. What may be published (the
protected cells, the library's public certificate) is kept apart from what
only the uploader may see (the counts and the reason behind each hidden cell).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from steward.dataplane.sdc import Dimension, DisclosureRules, Table, TableError, protect_rows
from steward.dataplane.sdc.ledger import Release as LedgerRelease
from steward.dataplane.sdc.protect import Protection
from steward.dataplane.sdc.table import TOTAL, all_code_tuples

MAX_ROWS = 20_000  # protected within a request (the API, output review)
MAX_QUEUED_ROWS = 100_000  # protected by a job (the upload page): the state table has 54,600
COMPLEMENTARY = "complementary"
REASON_TEXT = {
    "threshold": "fewer students than the minimum cell size",
    "zero": "a zero, which says something about everyone in the group",
    COMPLEMENTARY: "hidden so that a small cell cannot be worked out from the totals",
    "dominance": "a few contributors make up most of the total",
    "p%": "one contributor's value could be estimated too closely",
}


class TableInputError(ValueError):
    """An uploaded table that cannot be protected; the message names the column or line."""


@dataclass(frozen=True)
class LeafTable:
    """The uploaded leaf cells: one row per combination of the dimensions' codes."""

    name: str
    dims: tuple[str, ...]
    count: str
    denominator: str
    rows: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class ProtectedResult:
    """A protected table: what may be published, and what only its uploader may see."""

    protection: Protection
    columns: list[str]
    rows: list[dict[str, Any]]  # published: {"codes": [...], "value": str, "suppressed": bool}
    reasons: dict[int, str]  # uploader only: why each hidden cell is hidden
    certificate: dict[str, Any]  # published form

    @property
    def csv_text(self) -> str:
        return published_csv(self.columns, self.rows)

    def sealed_payload(self) -> dict[str, Any]:
        """What is kept encrypted: the full table, for the ledger and for verification."""
        table = self.protection.table
        return {
            "dimensions": dimensions_to_json(table.dimensions),
            "values": [float(v) for v in table.flat_values],
            "suppressed": [int(i) for i in np.flatnonzero(self.protection.suppressed)],
            "reasons": {str(k): v for k, v in self.reasons.items()},
        }


def read_table(
    data: bytes,
    *,
    name: str,
    dims: Sequence[str],
    count: str,
    denominator: str = "",
    max_rows: int = MAX_ROWS,
) -> LeafTable:
    """Parse an uploaded CSV of leaf counts, refusing it with a message that says where."""
    dims = tuple(d.strip() for d in dims if d.strip())
    count, denominator = count.strip(), denominator.strip()
    _check_columns_named(dims, count, denominator)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableInputError(f"{name}: the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in (*dims, count, denominator) if c and c not in header]
    if missing:
        found = ", ".join(header) or "none"
        raise TableInputError(
            f"{name}: no column {', '.join(map(repr, missing))}; its columns are: {found}"
        )
    reader.fieldnames = header
    rows = []
    for line_no, raw in enumerate(reader, start=2):
        if len(rows) >= max_rows:
            raise TableInputError(f"{name}: more than {max_rows:,} rows; protect it with the CLI")
        rows.append(_row(raw, name, line_no, dims, count, denominator))
    if not rows:
        raise TableInputError(f"{name}: the file has a header but no rows")
    return LeafTable(name, dims, count, denominator, tuple(rows))


def _check_columns_named(dims: tuple[str, ...], count: str, denominator: str) -> None:
    if not dims:
        raise TableInputError("dims: name at least one dimension column")
    if len(set(dims)) != len(dims):
        raise TableInputError("dims: a dimension column is named twice")
    if not count:
        raise TableInputError("count: name the column that holds the counts")
    if count in dims:
        raise TableInputError(f"count: {count!r} is also a dimension")
    if denominator and (denominator in dims or denominator == count):
        raise TableInputError(f"denominator: {denominator!r} is already a dimension or the count")


def _row(raw, name, line_no, dims, count, denominator) -> dict[str, str]:
    row = {}
    for d in dims:
        code = (raw.get(d) or "").strip()
        if not code:
            raise TableInputError(f"{name}, line {line_no}: column {d!r} is empty")
        if code == TOTAL:
            raise TableInputError(f"{name}, line {line_no}: {TOTAL!r} is reserved in column {d!r}")
        row[d] = code
    for column in (count, denominator):
        if column:
            row[column] = str(_whole(raw.get(column), name, line_no, column))
    if denominator and int(row[denominator]) < int(row[count]):
        raise TableInputError(f"{name}, line {line_no}: {denominator!r} is smaller than {count!r}")
    return row


def _whole(text: str | None, name: str, line_no: int, column: str) -> int:
    try:
        value = float((text or "").strip())
    except ValueError:
        raise TableInputError(
            f"{name}, line {line_no}: column {column!r} is not a number"
        ) from None
    if value < 0 or value != int(value):
        raise TableInputError(f"{name}, line {line_no}: column {column!r} must be a whole count")
    return int(value)


def protect_table(
    leaf: LeafTable,
    rules: DisclosureRules,
    rule_versions: Sequence[dict] = (),
    *,
    intervals: bool | None = None,
) -> ProtectedResult:
    """Suppress, round and (with a denominator) code rates in one pass; audit; certify.

    ``intervals=False`` certifies without the hidden cells' intervals (the summary form), for
    tables that are seen inside and never released, such as reports; by default they are
    given where exact intervals can be computed (`Protection.certificate`).
    """
    try:
        result = protect_rows(
            list(leaf.rows), leaf.dims, leaf.count, rules, leaf.denominator or None, name=leaf.name
        )
    except TableError as error:
        raise TableInputError(str(error)) from None
    protection = result.protection
    primary = {c.cell: c.reason for c in protection.audit.cells}
    out_rows, reasons = [], {}
    for i, (codes, shown) in enumerate(result.cells):
        hidden = bool(protection.suppressed[i])
        out_rows.append({"codes": codes, "value": shown, "suppressed": hidden})
        if hidden:
            reasons[i] = primary.get(i) or COMPLEMENTARY
    issued_at = datetime.now(UTC).isoformat(timespec="seconds")
    certificate = published_certificate(
        protection.certificate(issued_at, intervals=intervals), rule_versions
    )
    return ProtectedResult(protection, result.columns, out_rows, reasons, certificate)


def published_certificate(certificate: dict[str, Any], rule_versions: Sequence[dict]) -> dict:
    """The library's public certificate, naming the versions of the rules it applied."""
    return {**certificate, "rules_versions": list(rule_versions)}


def certificate_sha256(certificate: dict[str, Any]) -> str:
    canonical = json.dumps(certificate, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def published_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([*row["codes"], row["value"]])
    return buffer.getvalue()


def dimensions_to_json(dimensions: Sequence[Dimension]) -> list[dict[str, Any]]:
    return [
        {"name": d.name, "codes": list(d.codes), "parents": list(d.parents)} for d in dimensions
    ]


def table_from_sealed(payload: dict[str, Any]) -> Table:
    """The full table back from its sealed form (to verify its certificate)."""
    dims = tuple(
        Dimension(d["name"], tuple(d["codes"]), tuple(d["parents"])) for d in payload["dimensions"]
    )
    shape = tuple(len(d.codes) for d in dims)
    return Table(dims, np.asarray(payload["values"], dtype=float).reshape(shape))


def ledger_release(payload: dict[str, Any], release_id: str, population: str) -> LedgerRelease:
    """The sealed table as the library's ledger sees it: exact published values, hidden as None.

    The ledger knows each margin by the finest codes it covers, so tables of a group with and
    without one school, whose totals share the name "Total", overlap correctly as they are.
    """
    table = table_from_sealed(payload)
    hidden = np.zeros(table.n_cells, dtype=bool)
    hidden[payload["suppressed"]] = True
    cells = {
        codes: None if hidden[i] else float(table.flat_values[i])
        for i, codes in enumerate(all_code_tuples(table))
    }
    return LedgerRelease(release_id, population, table.dimensions, cells)


def shown_code(code: str) -> str:
    """A ledger code as people read it (ledger codes are the table's own codes)."""
    return code
