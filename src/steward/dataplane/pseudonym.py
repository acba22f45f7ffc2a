"""Project pseudonyms: keyed HMAC-SHA256 of an agency's identifier, one key per project.

A pseudonym is the first 32 hex digits (128 bits) of HMAC-SHA256(project key, "<agency>:<id>").
The same student keeps the same pseudonym in every refresh of one project, and two projects'
extracts cannot be joined because their keys differ. `pseudonym` is the reference
implementation. `pseudonym_column` keys a whole column in C (`_hmac`, OpenSSL's SHA-256 from
the key's precomputed inner and outer states: two SHA-256 blocks a row), several chunks at once
with the GIL released; where the C module was not built, it keys each distinct identifier once
in Python and maps the pseudonyms back to the rows with Arrow. `hmac_sql` computes the same
value inside DuckDB.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

try:
    from steward.dataplane import _hmac
except ImportError:  # installed without a C compiler: the same values, keyed in Python
    _hmac = None

PSEUDONYM_HEX = 32  # 128 bits: collisions are negligible even for a whole state's history
_BLOCK = 64  # SHA-256 block size
_PIECE = 1 << 18  # rows keyed by one call of the C module: enough pieces to share the cores
_AGENCY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
# The column types the C module reads as they are, by the width of their offsets.
_OFFSET_SIZES = {pa.string(): 4, pa.binary(): 4, pa.large_string(): 8, pa.large_binary(): 8}


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
    ipad, opad = _pads(_checked_key(key))
    return {"ipad": ipad.hex(), "opad": opad.hex()}


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """The key padded to one block and XORed with the inner and outer pads (RFC 2104)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def pseudonymize(identifiers: pa.Array | pa.ChunkedArray, key: bytes, agency: str) -> pa.Array:
    """Pseudonyms for a column of one agency's identifiers, in order (nulls stay null)."""
    import pyarrow.compute as pc

    column = pseudonym_column(pc.cast(identifiers, pa.string()), key, f"{_checked(agency)}:")
    return column.combine_chunks()


def pseudonym_column(
    messages: pa.Array | pa.ChunkedArray, key: bytes, prefix: str = ""
) -> pa.ChunkedArray:
    """The pseudonym of `prefix + value` for each value of a string column, in order (nulls stay
    null)."""
    key = _checked_key(key)
    if isinstance(messages, pa.Array):
        messages = pa.chunked_array([messages])
    if _hmac is None:
        return pa.chunked_array([_keyed_in_python(messages, key, prefix)], pa.string())
    return _keyed_in_c(messages, key, prefix)


def _keyed_in_c(messages: pa.ChunkedArray, key: bytes, prefix: str) -> pa.ChunkedArray:
    """Every row keyed in C: cheaper than finding the distinct values and mapping them back."""
    if messages.type not in _OFFSET_SIZES:
        messages = messages.cast(pa.string())
    pieces = [
        chunk.slice(start, _PIECE)
        for chunk in messages.chunks
        for start in range(0, len(chunk), _PIECE)
    ]
    ipad, opad = _pads(key)
    message_prefix = prefix.encode()

    def keyed(piece: pa.Array) -> pa.Array:
        return _hex_piece(piece, ipad, opad, message_prefix)

    workers = min(len(pieces), os.cpu_count() or 1)
    if workers <= 1:
        return pa.chunked_array([keyed(p) for p in pieces], pa.string())
    with ThreadPoolExecutor(workers, thread_name_prefix="pseudonyms") as pool:
        return pa.chunked_array(list(pool.map(keyed, pieces)), pa.string())


def _hex_piece(piece: pa.Array, ipad: bytes, opad: bytes, prefix: bytes) -> pa.Array:
    """The pseudonyms of one slice of a string column, from the C module."""
    import pyarrow.compute as pc

    n = len(piece)
    offset_size = _OFFSET_SIZES[piece.type]
    _, offsets, data = piece.buffers()
    offsets = offsets.slice(piece.offset * offset_size, (n + 1) * offset_size)
    out = pa.allocate_buffer(n * PSEUDONYM_HEX)
    _hmac.hex_digests(ipad, opad, prefix, offsets, offset_size, data or b"", out, PSEUDONYM_HEX)
    text_offsets = np.arange(0, (n + 1) * PSEUDONYM_HEX, PSEUDONYM_HEX, dtype=np.int32)
    keyed = pa.StringArray.from_buffers(n, pa.py_buffer(text_offsets), out)
    if piece.null_count:
        keyed = pc.if_else(piece.is_valid(), keyed, pa.scalar(None, pa.string()))
    return keyed


def _keyed_in_python(messages: pa.ChunkedArray, key: bytes, prefix: str) -> pa.Array:
    """Each distinct value keyed once in Python, mapped back to the rows by Arrow."""
    import pyarrow.compute as pc

    messages = messages.cast(pa.string()).combine_chunks()
    encoded = pc.dictionary_encode(messages)
    distinct = encoded.dictionary
    if prefix:
        distinct = pc.binary_join_element_wise(pa.scalar(prefix), distinct, "")
    values = distinct.cast(pa.binary()).to_pylist()
    digests = _digests(key, values)
    return pc.take(_hex_prefix(digests, len(values)), encoded.indices)


def _digests(key: bytes, values: Sequence[bytes]) -> bytes:
    """HMAC-SHA256 of each value, concatenated: the padded keys' states are hashed once."""
    ipad, opad = _pads(key)
    inner_state = hashlib.sha256(ipad)
    outer_state = hashlib.sha256(opad)
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
