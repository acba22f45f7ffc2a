"""From scored pairs to links: reviewers' decisions, the one-to-one rule, master ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .result import CROSSWALK_SCHEMA, PAIR_SCHEMA, Decision

SEA = "sea"


class DecisionError(ValueError):
    """Reviewers' decisions that contradict each other or name an unknown verdict."""


def check_decisions(decisions: Iterable[Decision]) -> tuple[set, set]:
    """Split decisions into forced matches and forced non-matches; refuse contradictions."""
    matches: set[tuple[str, str]] = set()
    non_matches: set[tuple[str, str]] = set()
    for number, (sea_id, other_id, verdict) in enumerate(decisions, start=1):
        if verdict not in ("match", "non_match"):
            raise DecisionError(f"decision {number}: verdict must be 'match' or 'non_match'")
        (matches if verdict == "match" else non_matches).add((str(sea_id), str(other_id)))
    if both := matches & non_matches:
        raise DecisionError(f"{len(both)} pair(s) are decided both match and non_match")
    for side in (0, 1):
        ids = [pair[side] for pair in matches]
        if len(ids) != len(set(ids)):
            raise DecisionError("two match decisions give one record two partners")
    return matches, non_matches


def apply_decisions(candidates: pa.Table, matches: set, non_matches: set) -> pa.Table:
    """Drop pairs decided non-match; add or promote pairs decided match (probability 1)."""
    keys = list(
        zip(candidates["sea_id"].to_pylist(), candidates["other_id"].to_pylist(), strict=True)
    )
    decided = matches | non_matches
    keep = pa.array([key not in decided for key in keys])
    kept = candidates.filter(keep)
    source = pa.array(["model"] * kept.num_rows, pa.string())
    kept = kept.append_column("source", source) if "source" not in kept.column_names else kept
    forced = pa.table(
        {
            "sea_id": [m[0] for m in sorted(matches)],
            "other_id": [m[1] for m in sorted(matches)],
            "match_probability": [1.0] * len(matches),
            "match_weight": [float("inf")] * len(matches),
            "source": ["decision"] * len(matches),
        },
        schema=PAIR_SCHEMA,
    )
    return pa.concat_tables([kept.select(PAIR_SCHEMA.names).cast(PAIR_SCHEMA), forced])


def one_to_one(candidates: pa.Table, *, threshold: float) -> pa.Table:
    """Keep the best pair for every record: strongest weight first, each id used once.

    Forced matches come first (their weight is infinite); ties fall to the lower ids so the
    same input always gives the same links.
    """
    above = candidates.filter(pc.greater_equal(candidates["match_probability"], threshold))
    order = pc.sort_indices(
        above,
        sort_keys=[
            ("match_weight", "descending"),
            ("sea_id", "ascending"),
            ("other_id", "ascending"),
        ],
    )
    above = above.take(order)
    used_sea: set[str] = set()
    used_other: set[str] = set()
    keep = []
    for sea_id, other_id in zip(
        above["sea_id"].to_pylist(), above["other_id"].to_pylist(), strict=True
    ):
        take = sea_id not in used_sea and other_id not in used_other
        keep.append(take)
        if take:
            used_sea.add(sea_id)
            used_other.add(other_id)
    return above.filter(pa.array(keep, pa.bool_()))


def mark_linked(candidates: pa.Table, pairs: pa.Table) -> pa.Table:
    """The candidates with a ``linked`` column saying which became links."""
    linked = set(zip(pairs["sea_id"].to_pylist(), pairs["other_id"].to_pylist(), strict=True))
    flags = [
        key in linked
        for key in zip(
            candidates["sea_id"].to_pylist(), candidates["other_id"].to_pylist(), strict=True
        )
    ]
    return candidates.append_column("linked", pa.array(flags, pa.bool_()))


def master_crosswalk(
    sea_ids: Sequence[str],
    others: Mapping[str, Sequence[str]],
    links: Mapping[str, pa.Table],
    *,
    seed: int,
) -> pa.Table:
    """Cluster people into master persons: each SEA student with their linked records.

    ``others`` maps an agency to its ids, ``links`` maps it to one-to-one pairs with the SEA.
    Master ids are drawn from a seeded permutation so they reveal nothing of any agency's ids.
    """
    clusters: dict[tuple[str, str], int] = {(SEA, s): i for i, s in enumerate(sorted(set(sea_ids)))}
    n = len(clusters)
    for agency in sorted(others):
        pairs = links[agency]
        partner = dict(zip(pairs["other_id"].to_pylist(), pairs["sea_id"].to_pylist(), strict=True))
        for other_id in sorted(set(others[agency])):
            sea_id = partner.get(other_id)
            if sea_id is None:
                clusters[(agency, other_id)] = n
                n += 1
            else:
                clusters[(agency, other_id)] = clusters[(SEA, sea_id)]
    names = np.random.default_rng(seed).permutation(n)
    width = max(9, len(str(n)))
    rows = sorted(clusters.items())
    return pa.table(
        {
            "agency": [agency for (agency, _), _ in rows],
            "agency_id": [pid for (_, pid), _ in rows],
            "master_id": [f"M{names[c]:0{width}d}" for _, c in rows],
        },
        schema=CROSSWALK_SCHEMA,
    )
