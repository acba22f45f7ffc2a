"""The errors that appear when another agency keys in a person: nicknames, typos, and so on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .columns import from_year_month_day, year_month_day
from .config import ErrorRates
from .names import NamePools

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbors() -> dict[str, str]:
    out: dict[str, str] = {}
    for r, row in enumerate(_ROWS):
        for i, ch in enumerate(row):
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            near += [_ROWS[k][i] for k in (r - 1, r + 1) if 0 <= k < 3 and i < len(_ROWS[k])]
            out[ch] = "".join(near)
    return out


NEIGHBORS = _keyboard_neighbors()


@dataclass
class Keyed:
    """Names and birth dates as another agency recorded them (object arrays; None is missing)."""

    first: np.ndarray
    middle: np.ndarray
    last: np.ndarray
    birth: np.ndarray  # day numbers
    birth_missing: np.ndarray
    applied: dict[str, np.ndarray]  # error name -> which records received it


def _typo(name: str, u: float, v: float) -> str:
    pos = min(int(u * len(name)), len(name) - 1)
    ch = name[pos]
    near = NEIGHBORS.get(ch.lower())
    if v < 0.6 and near:
        new = near[int(v / 0.6 * len(near)) % len(near)]
        return name[:pos] + (new.upper() if ch.isupper() else new) + name[pos + 1 :]
    if v < 0.8 and len(name) > 2:
        dropped = name[:pos] + name[pos + 1 :]
        return dropped[0].upper() + dropped[1:] if pos == 0 else dropped
    return name[:pos] + ch.lower() + name[pos:] if pos else name[0] + name[0].lower() + name[1:]


def _transpose(name: str, u: float) -> str:
    if len(name) < 2:
        return name
    pos = min(int(u * (len(name) - 1)), len(name) - 2)
    a, b = name[pos], name[pos + 1]
    if pos == 0:  # keep the capital at the front, as a typist would
        a, b = a.lower(), b.upper()
    return name[:pos] + b + a + name[pos + 2 :]


def _apply_in_place(values: np.ndarray, rows: np.ndarray, fn, *params: np.ndarray) -> None:
    # Per-string edits, but only on the few percent of records that get an error.
    for k, i in enumerate(rows):
        values[i] = fn(values[i], *(p[k] for p in params))


def key_in(
    pools: NamePools,
    first: np.ndarray,
    middle: np.ndarray,
    last: np.ndarray,
    birth: np.ndarray,
    rates: ErrorRates,
    rng: np.random.Generator,
) -> Keyed:
    """Copy people's true names and birth dates (pool indices, day numbers) with errors."""
    n = first.shape[0]
    r = rng.random((8, n))  # every draw made up front, so which errors apply never shifts
    applied: dict[str, np.ndarray] = {}
    f = pools.first[first].copy()
    m = np.where(middle >= 0, pools.first[np.maximum(middle, 0)], None)
    la = pools.last[last].copy()

    n_nicks = np.array([len(t) for t in pools.nicknames])[first]
    applied["nickname"] = (n_nicks > 0) & (r[0] < rates.nickname)
    rows = np.flatnonzero(applied["nickname"])
    f[rows] = [pools.nicknames[first[i]][int(r[7, i] * n_nicks[i])] for i in rows]

    applied["last_name_change"] = r[1] < rates.last_name_change
    rows = np.flatnonzero(applied["last_name_change"])
    other = pools.last[pools.draw_last(rng, rows.shape[0])]
    hyphen = r[7, rows] < 0.5
    la[rows] = np.where(hyphen, [f"{a}-{b}" for a, b in zip(la[rows], other, strict=True)], other)

    applied["typo"] = r[2] < rates.typo
    rows = np.flatnonzero(applied["typo"])
    in_first = r[7, rows] < 0.5
    u, v = rng.random(rows.shape[0]), rng.random(rows.shape[0])
    _apply_in_place(f, rows[in_first], _typo, u[in_first], v[in_first])
    _apply_in_place(la, rows[~in_first], _typo, u[~in_first], v[~in_first])

    applied["transposition"] = r[3] < rates.transposition
    rows = np.flatnonzero(applied["transposition"])
    in_first = r[7, rows] < 0.5
    u = rng.random(rows.shape[0])
    _apply_in_place(f, rows[in_first], _transpose, u[in_first])
    _apply_in_place(la, rows[~in_first], _transpose, u[~in_first])

    applied["missing_middle_name"] = (middle >= 0) & (r[4] < rates.missing_middle_name)
    m[applied["missing_middle_name"]] = None

    year, month, day = year_month_day(birth)
    swappable = (day <= 12) & (day != month)
    applied["swapped_day_month"] = swappable & (r[5] < rates.swapped_day_month)
    swapped = from_year_month_day(
        year, np.where(swappable, day, month), np.where(swappable, month, day)
    )
    keyed_birth = np.where(applied["swapped_day_month"], swapped, birth)
    applied["missing_birth_date"] = r[6] < rates.missing_birth_date
    return Keyed(f, m, la, keyed_birth, applied["missing_birth_date"], applied)
