"""Project pseudonyms: keyed HMAC-SHA256 of an agency's identifier, one key per project.

A pseudonym is the first 32 hex digits (128 bits) of HMAC-SHA256(project key, "<agency>:<id>").
The same student keeps the same pseudonym in every refresh of one project, and two projects'
extracts cannot be joined because their keys differ. `pseudonym` is the reference
implementation; `pseudonym_sql` computes the same value inside DuckDB, over distinct
identifiers only, so that millions of rows are keyed in parallel.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pyarrow as pa

PSEUDONYM_HEX = 32  # 128 bits: collisions are negligible even for a whole state's history
_BLOCK = 64  # SHA-256 block size
_AGENCY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def pseudonym(key: bytes, agency: str, identifier: str) -> str:
    """The pseudonym of one agency identifier under one project's key."""
    message = f"{_checked(agency)}:{identifier}".encode()
    return hmac.new(_checked_key(key), message, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def hmac_sql(message_sql: str) -> str:
    """DuckDB SQL for the pseudonym of `message_sql` (a VARCHAR expression), HMAC as RFC 2104.

    The padded keys are bound as the parameters `$ipad` and `$opad` (hex; see `hmac_params`).
    """
    inner = f"unhex(sha256(unhex($ipad) || encode({message_sql})))"
    return f"substr(sha256(unhex($opad) || {inner}), 1, {PSEUDONYM_HEX})"


def hmac_params(key: bytes) -> dict[str, str]:
    """The inner and outer padded keys of HMAC-SHA256, hex-encoded for DuckDB parameters."""
    key = _checked_key(key)
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return {
        "ipad": bytes(b ^ 0x36 for b in key).hex(),
        "opad": bytes(b ^ 0x5C for b in key).hex(),
    }


def pseudonymize(identifiers: pa.Array | pa.ChunkedArray, key: bytes, agency: str) -> pa.Array:
    """Pseudonyms for a column of one agency's identifiers, in order (nulls stay null)."""
    import duckdb
    import pyarrow.compute as pc

    column = pc.cast(identifiers, pa.string())
    distinct = pc.unique(column).drop_null()
    con = duckdb.connect()
    try:
        con.register("ids", pa.table({"id": distinct}))
        prefix = f"{_checked(agency)}:"
        mapped = con.sql(
            f"SELECT id, {hmac_sql('$prefix || id')} AS p FROM ids",  # noqa: S608
            params={**hmac_params(key), "prefix": prefix},
        ).to_arrow_table()
    finally:
        con.close()
    positions = pc.index_in(column, value_set=mapped.column("id"))
    return pc.take(mapped.column("p"), positions).combine_chunks()


def _checked(agency: str) -> str:
    if not isinstance(agency, str) or not _AGENCY.match(agency):
        raise ValueError(f"invalid agency code {agency!r}")
    return agency


def _checked_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < 16:
        raise ValueError("a pseudonym key must be at least 128 bits of bytes")
    return key
