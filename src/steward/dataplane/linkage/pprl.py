"""The linkage unit's side of privacy-preserving linkage: it sees only tokens and encodings.

Candidate pairs come from blocks on keyed exact keys; each pair is compared by Dice
similarity of Bloom filters (numpy on packed bits) and by equality of exact keys; a
Fellegi-Sunter model of our own (u from random pairs, m and lambda by EM) scores them.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pyarrow as pa

from . import fellegi_sunter as fs
from .assign import check_decisions
from .bloom import HASHES, dice, shared_bits
from .encode import ENCODED_COLUMNS, FILTERS, TOKEN
from .finish import check_decision_ids, finish, level_record, weight_histogram
from .prepare import LinkageInputError
from .result import Decision, Diagnostics, LinkageConfig, LinkageResult

BLOCKING_KEYS = ("k_dob", "k_dob_unordered", "k_last_year", "k_first_initial_year", "k_first_last")
_CHUNK = 200_000
# EM sessions, as in Splink: pairs agreeing exactly on these, the other comparisons estimated.
EM_SESSIONS = [["birth_date"], ["first_name", "last_name"], ["last_name"]]

# Per comparison: its level labels from "no agreement" (0) upward.
LEVELS: dict[str, list[str]] = {
    "first_name": [
        "else",
        "dice >= 0.6",
        "nickname of the same name",
        "dice >= 0.8",
        "dice >= 0.95",
    ],
    "last_name": ["else", "dice >= 0.5", "dice >= 0.7", "dice >= 0.85", "exact key"],
    "middle_name": ["else", "dice >= 0.6", "dice >= 0.9"],
    "birth_date": [
        "else",
        "dice >= 0.5 (same year)",
        "dice >= 0.7 (digit slip)",
        "day and month swapped",
        "exact key",
    ],
    "sex": ["else", "exact key"],
}


def link_encoded(
    sea: pa.Table,
    other: pa.Table,
    *,
    config: LinkageConfig | None = None,
    decisions: Iterable[Decision] = (),
) -> LinkageResult:
    """Link two agencies' encoded identifiers; pairs and crosswalk are in record tokens."""
    config = config or LinkageConfig()
    if config.backend != "duckdb":
        raise ValueError("The privacy-preserving model runs in process: use backend='duckdb'.")
    sea_tokens, other_tokens = _check_encoded(sea, "SEA"), _check_encoded(other, "other agency")
    matches, non_matches = check_decisions(decisions)
    check_decision_ids(matches, sea_tokens, other_tokens)
    names = [n for n in LEVELS if n != "sex" or _both_have(sea, other, "k_sex")]
    left, right, blocking = candidate_pairs(sea, other)
    levels = compare(sea, other, left, right, names)
    rng = np.random.default_rng(config.seed)
    n_random = int(min(config.u_max_pairs, sea.num_rows * other.num_rows))
    rand_l = rng.integers(0, sea.num_rows, n_random)
    rand_r = rng.integers(0, other.num_rows, n_random)
    sizes = [len(LEVELS[n]) for n in names]
    u = fs.level_frequencies(compare(sea, other, rand_l, rand_r, names), sizes)
    labelled = _labelled_levels(sea, other, sea_tokens, other_tokens, matches, names)
    use_labels = len(matches) >= config.min_labels
    m_start = fs.level_frequencies(labelled, sizes) if use_labels else None
    lam = _deterministic_share(levels, names, config.deterministic_recall)
    sessions = [_agreeing(levels, names, held) for held in EM_SESSIONS]
    model = fs.fit(
        levels, sizes, names, u=u, sessions=sessions, fixed=EM_SESSIONS, lam=lam, m_start=m_start
    )
    weight, probability = fs.score(levels, model)
    scored = pa.table(
        {
            "sea_id": pa.array(sea[TOKEN].to_numpy(zero_copy_only=False)[left], pa.string()),
            "other_id": pa.array(other[TOKEN].to_numpy(zero_copy_only=False)[right], pa.string()),
            "match_probability": probability,
            "match_weight": weight,
        }
    )
    keep = probability >= config.candidate_floor
    diagnostics = Diagnostics(
        method="fellegi-sunter-bloom",
        parameters=_parameters(model),
        histogram=weight_histogram(pa.array(weight), config.histogram_bins),
        blocking=blocking,
        counts={
            "blocked_pairs": len(left),
            "em_sessions": len(EM_SESSIONS),
            "labelled_pairs_used": len(matches) if use_labels else 0,
            "sex_compared": int("sex" in names),
        },
    )
    return finish(
        sea_ids=sea_tokens,
        other_ids=other_tokens,
        candidates=scored.filter(pa.array(keep)),
        decisions=(matches, non_matches),
        config=config,
        diagnostics=diagnostics,
    )


def candidate_pairs(sea: pa.Table, other: pa.Table) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Row indexes of every pair sharing at least one blocking key, and counts per key."""
    con = duckdb.connect()
    try:
        con.register("a", _indexed(sea))
        con.register("b", _indexed(other))
        con.execute("create table pairs (l bigint, r bigint)")
        blocking, cumulative = [], 0
        for key in BLOCKING_KEYS:
            # Key names come from BLOCKING_KEYS, never from input.
            con.execute(
                f"""insert into pairs select a.row, b.row from a join b on a.{key} = b.{key}
                    where not exists (select 1 from pairs p where p.l = a.row and p.r = b.row)"""  # noqa: S608
            )
            total = con.execute("select count(*) from pairs").fetchone()[0]
            blocking.append(
                {
                    "blocking_rule": f"{key} equal",
                    "marginal_comparison_count": total - cumulative,
                    "cumulative_comparison_count": total,
                }
            )
            cumulative = total
        found = con.execute("select l, r from pairs order by l, r").fetchnumpy()
    finally:
        con.close()
    return found["l"].astype(np.int64), found["r"].astype(np.int64), blocking


def compare(
    sea: pa.Table, other: pa.Table, left: np.ndarray, right: np.ndarray, names: list[str]
) -> np.ndarray:
    """The comparison level of each pair (rows) for each comparison (columns), -1 if missing."""
    out = np.full((len(left), len(names)), fs.NULL, dtype=np.int8)
    ctx = {f: (_packed(sea, f), _packed(other, f)) for f in FILTERS}
    ctx |= {k: _codes(sea[k], other[k]) for k in ("k_last", "k_dob", "k_dob_unordered", "k_sex")}
    for start in range(0, len(left), _CHUNK):
        i, j = left[start : start + _CHUNK], right[start : start + _CHUNK]
        for c, name in enumerate(names):
            out[start : start + len(i), c] = _LEVEL_FUNCTIONS[name](ctx, i, j)
    return out


def _first_name(ctx: dict, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    a, b = ctx["bf_first"]
    va, vb = ctx["bf_first_variants"]
    d = dice(a[i], b[j])
    # Sharing one whole variant token sets at least ~HASHES bits in common.
    nickname = shared_bits(va[i], vb[j]) >= int(0.9 * HASHES)
    level = np.select([d >= 0.95, d >= 0.8, nickname, d >= 0.6], [4, 3, 2, 1], 0)
    return np.where(_present(a, i) & _present(b, j), level, fs.NULL)


def _last_name(ctx: dict, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    a, b = ctx["bf_last"]
    d = dice(a[i], b[j])
    exact = _equal(ctx["k_last"], i, j)
    level = np.select([exact, d >= 0.85, d >= 0.7, d >= 0.5], [4, 3, 2, 1], 0)
    return np.where(_present(a, i) & _present(b, j), level, fs.NULL)


def _middle_name(ctx: dict, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    a, b = ctx["bf_middle"]
    d = dice(a[i], b[j])
    level = np.select([d >= 0.9, d >= 0.6], [2, 1], 0)
    return np.where(_present(a, i) & _present(b, j), level, fs.NULL)


def _birth_date(ctx: dict, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    a, b = ctx["bf_dob"]
    d = dice(a[i], b[j])
    exact = _equal(ctx["k_dob"], i, j)
    swapped = _equal(ctx["k_dob_unordered"], i, j)
    level = np.select([exact, swapped, d >= 0.7, d >= 0.5], [4, 3, 2, 1], 0)
    return np.where(_present(a, i) & _present(b, j), level, fs.NULL)


def _sex(ctx: dict, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    codes_a, codes_b = ctx["k_sex"]
    present = (codes_a[i] >= 0) & (codes_b[j] >= 0)
    level = _equal(ctx["k_sex"], i, j).astype(np.int8)
    return np.where(present, level, fs.NULL)


_LEVEL_FUNCTIONS = {
    "first_name": _first_name,
    "last_name": _last_name,
    "middle_name": _middle_name,
    "birth_date": _birth_date,
    "sex": _sex,
}


def _check_encoded(table: pa.Table, side: str) -> list[str]:
    # The linkage unit accepts encodings only: any other column (a name, an id) is refused.
    extra = sorted(set(table.column_names) - set(ENCODED_COLUMNS))
    if extra:
        raise LinkageInputError(
            f"{side} input has columns that are not encodings: {', '.join(extra)}"
        )
    missing = sorted(set(ENCODED_COLUMNS) - set(table.column_names))
    if missing:
        raise LinkageInputError(f"{side} input lacks encodings: {', '.join(missing)}")
    tokens = table[TOKEN].to_pylist()
    if len(set(tokens)) != len(tokens) or None in tokens:
        raise LinkageInputError(f"{side} input has blank or repeated tokens")
    return tokens


def _both_have(a: pa.Table, b: pa.Table, column: str) -> bool:
    return a[column].null_count < a.num_rows and b[column].null_count < b.num_rows


def _indexed(table: pa.Table) -> pa.Table:
    keys = table.select(list(BLOCKING_KEYS))
    return keys.append_column("row", pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _packed(table: pa.Table, column: str) -> np.ndarray:
    array = table[column].combine_chunks()
    width = array.type.byte_width
    data = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    data = data[array.offset * width : (array.offset + len(array)) * width]
    return data.reshape(len(array), width)


def _present(packed: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return packed[rows].any(axis=1)


def _equal(codes: tuple[np.ndarray, np.ndarray], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    codes_a, codes_b = codes
    return (codes_a[i] == codes_b[j]) & (codes_a[i] >= 0)


def _codes(a: pa.ChunkedArray, b: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    # Exact keys become integer codes of one shared dictionary (-1 when missing): fast and
    # null-safe to compare.
    values = {v: n for n, v in enumerate(sorted(set(a.to_pylist()) | set(b.to_pylist()) - {None}))}
    return _code_array(a, values), _code_array(b, values)


def _code_array(column: pa.ChunkedArray, values: dict[str, int]) -> np.ndarray:
    return np.array([values.get(v, -1) for v in column.to_pylist()], dtype=np.int64)


def _labelled_levels(sea, other, sea_tokens, other_tokens, matches, names) -> np.ndarray:
    row_a = {t: n for n, t in enumerate(sea_tokens)}
    row_b = {t: n for n, t in enumerate(other_tokens)}
    i = np.array([row_a[s] for s, _ in sorted(matches)], dtype=np.int64)
    j = np.array([row_b[o] for _, o in sorted(matches)], dtype=np.int64)
    return compare(sea, other, i, j, names)


def _agreeing(levels: np.ndarray, names: list[str], fields: list[str]) -> np.ndarray:
    # Rows whose every named comparison sits at its top level (exact agreement).
    rows = np.ones(len(levels), dtype=bool)
    for name in fields:
        rows &= levels[:, names.index(name)] == len(LEVELS[name]) - 1
    return rows


def _deterministic_share(levels: np.ndarray, names: list[str], recall: float) -> float:
    # Pairs agreeing exactly on first name, last name and birth date are nearly all matches;
    # scaled by their assumed recall they estimate the match share among blocked pairs.
    top = _agreeing(levels, names, ["first_name", "last_name", "birth_date"])
    return float(np.clip(top.sum() / recall / max(len(levels), 1), 1e-6, 0.5))


def _parameters(model: fs.FSModel) -> list[dict]:
    rows = []
    for name, m, u in zip(model.names, model.m, model.u, strict=True):
        for level in reversed(range(len(m))):
            rows.append(level_record(name, LEVELS[name][level], float(m[level]), float(u[level])))
    return rows
