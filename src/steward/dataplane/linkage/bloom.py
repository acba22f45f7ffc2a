"""Bloom-filter encodings of identifiers (CLK style) and their Dice similarity.

Each token (a name's bigram, a date's digit at its position) sets ``hashes`` bits chosen by
keyed double hashing: one HMAC-SHA256 of the token gives two 64-bit numbers h1 and h2, and
the bits are ``(h1 + i * h2) mod bits``. Without the key nobody can compute which bits a
token sets, so a filter cannot be tested against a list of names.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

import numpy as np

BITS = 1024
HASHES = 10


def derive_key(secret: bytes, label: str) -> bytes:
    """A sub-key for one use (a field's filter, an exact key, tokens), so uses cannot mix."""
    if not isinstance(secret, bytes) or len(secret) < 16:
        raise ValueError("secret must be at least 16 bytes")
    return hmac.new(secret, b"steward-linkage/" + label.encode(), hashlib.sha256).digest()


def bigrams(value: str) -> list[str]:
    """The padded bigrams of a normalized value: ``ann`` -> ``_a an nn n_``."""
    padded = f"_{value}_"
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


def date_tokens(value: str) -> list[str]:
    """Each digit of ``YYYY-MM-DD`` with its position, so one slipped digit changes one token."""
    digits = value.replace("-", "")
    return [f"{i}:{d}" for i, d in enumerate(digits)]


class BloomEncoder:
    """Encodes token lists into packed Bloom filters under one field's key."""

    def __init__(self, key: bytes, *, bits: int = BITS, hashes: int = HASHES) -> None:
        if bits % 64 or bits <= 0:
            raise ValueError("bits must be a positive multiple of 64")
        self._key, self.bits, self.hashes = key, bits, hashes
        self._cache: dict[str, np.ndarray] = {}

    def positions(self, token: str) -> np.ndarray:
        """The bits one token sets."""
        found = self._cache.get(token)
        if found is None:
            digest = hmac.new(self._key, token.encode(), hashlib.sha256).digest()
            h1 = int.from_bytes(digest[:8], "big")
            h2 = int.from_bytes(digest[8:16], "big") | 1
            found = np.array([(h1 + i * h2) % self.bits for i in range(self.hashes)])
            self._cache[token] = found
        return found

    def encode(self, token_lists: Sequence[Iterable[str] | None]) -> np.ndarray:
        """One packed filter (``bits // 8`` bytes) per row; an empty row for a missing value."""
        dense = np.zeros((len(token_lists), self.bits), dtype=bool)
        for row, tokens in enumerate(token_lists):
            if tokens:
                dense[row, np.concatenate([self.positions(t) for t in tokens])] = True
        return np.packbits(dense, axis=1, bitorder="little")


def as_words(packed: np.ndarray) -> np.ndarray:
    """View packed filters (n, bytes) as 64-bit words for fast AND and popcount."""
    return np.ascontiguousarray(packed).view(np.uint64)


def popcount(words: np.ndarray) -> np.ndarray:
    """Set bits per row."""
    return np.bitwise_count(words).sum(axis=1, dtype=np.int64)


def dice(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Dice coefficient 2|a AND b| / (|a| + |b|) of packed filters; NaN if both empty."""
    wa, wb = as_words(a), as_words(b)
    both = popcount(wa & wb)
    total = popcount(wa) + popcount(wb)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2.0 * both / np.maximum(total, 1), np.nan)


def shared_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise count of bits set in both filters."""
    return popcount(as_words(a) & as_words(b))
