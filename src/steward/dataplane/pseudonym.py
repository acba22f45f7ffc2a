"""Project pseudonyms: keyed HMAC-SHA256 of an agency's identifier, one key per project.

A pseudonym is the first 32 hex digits (128 bits) of HMAC-SHA256(project key, "<agency>:<id>").
The same student keeps the same pseudonym in every refresh of one project, and two projects'
extracts cannot be joined because their keys differ. `pseudonym` is the reference
implementation. `pseudonym_column` keys a column: each distinct identifier once, from the
key's precomputed inner and outer hash states (two SHA-256 blocks an identifier instead of
four), mapped back to the rows by Arrow; `hmac_sql` computes the same value inside DuckDB.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

PSEUDONYM_HEX = 32  # 128 bits: collisions are negligible even for a whole state's history
_BLOCK = 64  # SHA-256 block size
_AGENCY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


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
    import pyarrow.compute as pc

    return pseudonym_column(pc.cast(identifiers, pa.string()), key, f"{_checked(agency)}:")


def pseudonym_column(
    messages: pa.Array | pa.ChunkedArray, key: bytes, prefix: str = ""
) -> pa.Array:
    """The pseudonym of `prefix + value` for each value of a string column, in order (nulls stay
    null). Each distinct value is keyed once."""
    import pyarrow.compute as pc

    key = _checked_key(key)
    if isinstance(messages, pa.ChunkedArray):
        messages = messages.combine_chunks()
    encoded = pc.dictionary_encode(messages)
    distinct = encoded.dictionary
    if prefix:
        distinct = pc.binary_join_element_wise(pa.scalar(prefix), distinct, "")
    values = distinct.cast(pa.binary()).to_pylist()
    digests = _digests(key, values)
    return pc.take(_hex_prefix(digests, len(values)), encoded.indices)


def _digests(key: bytes, values: Sequence[bytes]) -> bytes:
    """HMAC-SHA256 of each value, concatenated: the padded keys' states are hashed once."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner_state = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer_state = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    inner_copy, outer_copy = inner_state.copy, outer_state.copy
    out = []
    append = out.append
    for value in values:
        inner = inner_copy()
        inner.update(value)
        outer = outer_copy()
        outer.update(inner.digest())
        append(outer.digest())
    return b"".join(out)


def _hex_prefix(digests: bytes, n: int) -> pa.Array:
    """The first PSEUDONYM_HEX hex digits of each 32-byte digest, as a string array."""
    raw = np.frombuffer(digests, np.uint8).reshape(n, 32)[:, : PSEUDONYM_HEX // 2]
    text = np.empty((n, PSEUDONYM_HEX), np.uint8)
    text[:, 0::2] = _HEX[raw >> 4]
    text[:, 1::2] = _HEX[raw & 15]
    offsets = np.arange(0, (n + 1) * PSEUDONYM_HEX, PSEUDONYM_HEX, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text.tobytes()))


def _checked(agency: str) -> str:
    if not isinstance(agency, str) or not _AGENCY.match(agency):
        raise ValueError(f"invalid agency code {agency!r}")
    return agency


def _checked_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < 16:
        raise ValueError("a pseudonym key must be at least 128 bits of bytes")
    return key
