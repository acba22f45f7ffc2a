"""The steps every linkage method shares once pairs are scored: decide, link, count."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .assign import apply_decisions, mark_linked, master_crosswalk, one_to_one
from .prepare import ID, LinkageInputError
from .result import Diagnostics, LinkageConfig, LinkageResult


def check_people(table: pa.Table, side: str) -> list[str]:
    """The ids of a one-row-per-person table; refuse blanks and repeats (counts only)."""
    if ID not in table.column_names:
        raise LinkageInputError(f"{side} input lacks the column {ID!r}")
    ids = table[ID].cast(pa.string()).to_pylist()
    if any(i is None or i == "" for i in ids):
        raise LinkageInputError(f"{side} input has blank {ID} values")
    if len(set(ids)) != len(ids):
        raise LinkageInputError(
            f"{side} input repeats {len(ids) - len(set(ids))} {ID} value(s); "
            "pass one record per person (person_records)"
        )
    return ids


def check_decision_ids(matches: set, sea_ids: list[str], other_ids: list[str]) -> None:
    """A forced match must name records that are in this run."""
    sea, other = set(sea_ids), set(other_ids)
    unknown = sum(1 for s, o in matches if s not in sea or o not in other)
    if unknown:
        raise LinkageInputError(f"{unknown} match decision(s) name records not in this run")


def weight_histogram(weights: pa.Array | pa.ChunkedArray, bins: int) -> list[dict]:
    """Counts of match weights in equal-width bins (the run page's distribution chart)."""
    values = np.asarray(pc.drop_null(weights).to_numpy(zero_copy_only=False), dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return []
    counts, edges = np.histogram(values, bins=bins)
    return [
        {"bin_low": float(lo), "bin_high": float(hi), "count": int(n)}
        for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True)
    ]


def level_record(comparison: str, level: str, m: float | None, u: float | None) -> dict:
    """One row of the m and u table, with its partial match weight log2(m/u)."""
    weight = math.log2(m / u) if m and u else None
    return {"comparison": comparison, "level": level, "m": m, "u": u, "match_weight": weight}


def finish(
    *,
    sea_ids: list[str],
    other_ids: list[str],
    candidates: pa.Table,
    decisions: tuple[set, set],
    config: LinkageConfig,
    diagnostics: Diagnostics,
) -> LinkageResult:
    """Apply decisions, keep the best pair per record, cluster into master ids, count."""
    matches, non_matches = decisions
    decided = apply_decisions(candidates, matches, non_matches)
    pairs = one_to_one(decided, threshold=config.threshold)
    crosswalk = master_crosswalk(
        sea_ids, {config.other_agency: other_ids}, {config.other_agency: pairs}, seed=config.seed
    )
    in_candidates_sea = set(candidates["sea_id"].to_pylist())
    in_candidates_other = set(candidates["other_id"].to_pylist())
    diagnostics.counts.update(
        sea_people=len(sea_ids),
        other_people=len(other_ids),
        candidate_pairs=candidates.num_rows,
        linked_pairs=pairs.num_rows,
        sea_unlinked=len(sea_ids) - pairs.num_rows,
        other_unlinked=len(other_ids) - pairs.num_rows,
        other_without_candidate=len(set(other_ids) - in_candidates_other),
        sea_without_candidate=len(set(sea_ids) - in_candidates_sea),
        forced_matches=len(matches),
        forced_non_matches=len(non_matches),
    )
    diagnostics.threshold = config.threshold
    return LinkageResult(
        pairs=pairs,
        candidates=mark_linked(decided, pairs),
        crosswalk=crosswalk,
        diagnostics=diagnostics,
        config=config,
    )
