"""The agency's side of privacy-preserving linkage: tokens, keyed exact keys, Bloom filters.

An agency runs these functions with a linkage secret that the agencies share and the platform
never holds. What leaves the agency is two files that travel apart: the encoded identifiers
(for the linkage unit) and the content without identifiers (for the warehouse), both keyed by
a record token that only the agency can tie back to its own ids.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .bloom import BITS, HASHES, BloomEncoder, bigrams, date_tokens, derive_key
from .prepare import ID, IDENTIFIER_COLUMNS, LinkageInputError, comparison_table, person_records

TOKEN = "token"  # noqa: S105 (a column name)
EXACT_KEYS = (
    "k_dob",
    "k_dob_unordered",
    "k_last",
    "k_last_year",
    "k_first_initial_year",
    "k_first_last",
    "k_sex",
)
FILTERS = ("bf_first", "bf_first_variants", "bf_middle", "bf_last", "bf_dob")
ENCODED_COLUMNS = (TOKEN, *EXACT_KEYS, *FILTERS)


@dataclass(frozen=True)
class SplitFile:
    """An agency's files for one linkage: they leave by different routes."""

    identifiers: pa.Table  # token + keyed encodings only: for the linkage unit
    content: pa.Table  # token + everything but identifiers: for the warehouse


def record_tokens(ids: Sequence[str], *, secret: bytes, agency: str) -> list[str]:
    """The record token of each agency id: keyed, so only holders of the secret can recompute it."""
    key = derive_key(secret, f"token/{agency}")
    return [hmac.new(key, str(i).encode(), hashlib.sha256).hexdigest()[:32] for i in ids]


def encode_identifiers(
    people: pa.Table,
    *,
    secret: bytes,
    agency: str,
    bits: int = BITS,
    hashes: int = HASHES,
) -> pa.Table:
    """Turn one record per person (``person_records``) into tokens, exact keys and filters.

    The result holds no name, date or agency id: exact keys are truncated HMAC-SHA256 of
    normalized values, filters are keyed Bloom filters of bigrams (names) or positioned
    digits (birth date).
    """
    if ID not in people.column_names:
        raise LinkageInputError(f"input lacks the column {ID!r}")
    normal = comparison_table(people).to_pydict()
    first, middle, last = normal["first_name"], normal["middle_name"], normal["last_name"]
    dob, sex = normal["birth_date"], normal.get("sex", [None] * people.num_rows)
    year = [d[:4] if d else None for d in dob]
    out: dict[str, pa.Array] = {
        TOKEN: pa.array(record_tokens(normal[ID], secret=secret, agency=agency), pa.string())
    }
    parts = {
        "k_dob": [d for d in dob],
        "k_dob_unordered": [_unordered(d) for d in dob],
        "k_last": last,
        "k_last_year": _joined(last, year),
        "k_first_initial_year": _joined([f[0] if f else None for f in first], year),
        "k_first_last": _joined(first, last),
        "k_sex": sex,
    }
    for name, values in parts.items():
        out[name] = pa.array(_exact_keys(values, derive_key(secret, name)), pa.string())
    filters = {
        "bf_first": [bigrams(v) if v else None for v in first],
        "bf_first_variants": [list(v) or None for v in normal["first_name_variants"]],
        "bf_middle": [bigrams(v) if v else None for v in middle],
        "bf_last": [bigrams(v) if v else None for v in last],
        "bf_dob": [date_tokens(v) if v else None for v in dob],
    }
    for name, tokens in filters.items():
        encoder = BloomEncoder(derive_key(secret, name), bits=bits, hashes=hashes)
        out[name] = _binary(encoder.encode(tokens), present=[t is not None for t in tokens])
    return pa.table(out)


def split_file(
    tables: Sequence[pa.Table], *, id_column: str, secret: bytes, agency: str
) -> SplitFile:
    """Split an agency's yearly files into encoded identifiers and identifier-free content."""
    people = person_records(tables, id_column=id_column)
    identifiers = encode_identifiers(people, secret=secret, agency=agency)
    content = []
    for table in tables:
        tokens = record_tokens(
            table[id_column].cast(pa.string()).to_pylist(), secret=secret, agency=agency
        )
        dropped = [c for c in (id_column, *IDENTIFIER_COLUMNS) if c in table.column_names]
        content.append(
            table.drop_columns(dropped).append_column(TOKEN, pa.array(tokens, pa.string()))
        )
    return SplitFile(
        identifiers=identifiers, content=pa.concat_tables(content, promote_options="default")
    )


def resolve_tokens(
    crosswalk: pa.Table, ids: Sequence[str], *, secret: bytes, agency: str
) -> pa.Table:
    """Agency side: turn a token crosswalk back into agency ids for this agency's rows."""
    by_token = dict(
        zip(record_tokens(ids, secret=secret, agency=agency), map(str, ids), strict=True)
    )
    mine = crosswalk.filter(pc.equal(crosswalk["agency"], agency))
    known = [by_token.get(t) for t in mine["agency_id"].to_pylist()]
    return pa.table(
        {
            "agency": mine["agency"],
            "agency_id": pa.array(known, pa.string()),
            "master_id": mine["master_id"],
        }
    ).filter(pa.array([k is not None for k in known]))


def attach_master_ids(content: pa.Table, crosswalk: pa.Table, *, agency: str) -> pa.Table:
    """Join identifier-free content to master ids through the token crosswalk; drop the token."""
    mine = crosswalk.filter(pc.equal(crosswalk["agency"], agency))
    lookup = dict(zip(mine["agency_id"].to_pylist(), mine["master_id"].to_pylist(), strict=True))
    masters = [lookup.get(t) for t in content[TOKEN].to_pylist()]
    return content.drop_columns([TOKEN]).append_column("master_id", pa.array(masters, pa.string()))


def _unordered(date: str | None) -> str | None:
    # Year with month and day in sorted order: equal when day and month were swapped.
    if not date:
        return None
    month, day = sorted((date[5:7], date[8:10]))
    return f"{date[:4]}|{month}|{day}"


def _joined(a: Sequence[str | None], b: Sequence[str | None]) -> list[str | None]:
    return [f"{x}|{y}" if x and y else None for x, y in zip(a, b, strict=True)]


def _exact_keys(values: Sequence[str | None], key: bytes) -> list[str | None]:
    return [
        hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:32] if v else None for v in values
    ]


def _binary(packed: np.ndarray, *, present: list[bool]) -> pa.Array:
    width = packed.shape[1]
    flat = pa.py_buffer(np.ascontiguousarray(packed).tobytes())
    # A boolean array's value bitmap is laid out exactly like a validity bitmap.
    validity = pa.array(present, pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(
        pa.binary(width), len(present), [validity, flat], null_count=present.count(False)
    )
