"""Vectorized makers of output columns: identifiers, dates and names as Arrow arrays."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = dt.date(1970, 1, 1)


class IdScheme:
    """Unique, unordered identifiers: an affine map modulo a prime is a bijection on indices.

    So person i always gets the same id, ids never collide, and the id reveals nothing about
    the order in which people were made.
    """

    def __init__(self, rng: np.random.Generator, prime: int, offset: int, prefix: str, width: int):
        self.prime, self.offset, self.prefix, self.width = prime, offset, prefix, width
        self.a = int(rng.integers(2, prime - 1))
        self.b = int(rng.integers(0, prime))

    def numbers(self, index: np.ndarray) -> np.ndarray:
        """The numeric part of the ids of people ``index``."""
        i = index.astype(np.int64)
        # a * i stays below 2**63 for i < 10**8, far beyond any run this generator allows.
        return self.offset + (self.a * i + self.b) % self.prime

    def strings(self, index: np.ndarray) -> pa.Array:
        """The ids of people ``index`` as strings, zero-padded, with the agency's prefix."""
        digits = pc.utf8_lpad(pc.cast(pa.array(self.numbers(index)), pa.string()), self.width, "0")
        if not self.prefix:
            return digits
        return pc.binary_join_element_wise(self.prefix, digits, "")


def day_number(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01, the storage of Arrow's date32."""
    return (dt.date(year, month, day) - EPOCH).days


def dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """A date32 column from day numbers; ``missing`` marks nulls."""
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=missing)


def names(pool: pa.Array, index: np.ndarray) -> pa.Array:
    """Strings from a pool by index; a negative index is a missing value."""
    return pool.take(pa.array(index, mask=index < 0))


def codes(labels: tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Code strings from a fixed tuple by index."""
    return pa.array(labels, type=pa.string()).take(pa.array(index))


def year_month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calendar year, month and day of day numbers, vectorized."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    years = d.astype("datetime64[Y]")
    day = (d - months).astype(np.int64) + 1
    month = (months - years).astype(np.int64) + 1
    return years.astype(np.int64) + 1970, month, day


def from_year_month_day(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day numbers from calendar parts (assumed valid), vectorized."""
    y = (np.asarray(year) - 1970).astype("datetime64[Y]")
    m = y.astype("datetime64[M]") + (np.asarray(month) - 1)
    return (m.astype("datetime64[D]") + (np.asarray(day) - 1)).astype(np.int64)
