"""How good a run is: against the truth (metrics), and where people must look (review queue)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .assign import SEA
from .result import LinkageResult


@dataclass(frozen=True)
class Metrics:
    """Pairwise precision, recall and F1, and the share of students with a wrong master id."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    false_positives: int
    false_negatives: int
    students: int
    students_wrong_master: int
    wrong_master_share: float

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def evaluate(result: LinkageResult, truth: pa.Table) -> Metrics:
    """Compare a run with true pairs (first column SEA ids, second the other agency's ids).

    Truth pairs naming a record absent from the run are left out: the run could not find them.
    """
    cw = result.crosswalk
    sea_ids = set(cw.filter(pc.equal(cw["agency"], SEA))["agency_id"].to_pylist())
    other_ids = set(cw.filter(pc.not_equal(cw["agency"], SEA))["agency_id"].to_pylist())
    true = {
        (str(s), str(o))
        for s, o in zip(truth.column(0).to_pylist(), truth.column(1).to_pylist(), strict=True)
        if str(s) in sea_ids and str(o) in other_ids
    }
    found = set(
        zip(result.pairs["sea_id"].to_pylist(), result.pairs["other_id"].to_pylist(), strict=True)
    )
    tp = len(true & found)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    wrong = _students_with_wrong_master(cw, true)
    return Metrics(
        precision=precision,
        recall=recall,
        f1=f1,
        true_positives=tp,
        false_positives=len(found) - tp,
        false_negatives=len(true) - tp,
        students=len(sea_ids),
        students_wrong_master=wrong,
        wrong_master_share=wrong / len(sea_ids) if sea_ids else 0.0,
    )


def _students_with_wrong_master(crosswalk: pa.Table, true: set[tuple[str, str]]) -> int:
    # A student's master id is right when it gathers exactly their true records.
    members: dict[str, set[tuple[str, str]]] = {}
    master_of: dict[str, str] = {}
    for agency, agency_id, master in zip(
        *(crosswalk[c].to_pylist() for c in crosswalk.column_names), strict=True
    ):
        members.setdefault(master, set()).add((agency, agency_id))
        if agency == SEA:
            master_of[agency_id] = master
    true_partners: dict[str, set[str]] = {}
    for sea_id, other_id in true:
        true_partners.setdefault(sea_id, set()).add(other_id)
    wrong = 0
    for sea_id, master in master_of.items():
        linked = {i for a, i in members[master] if a != SEA}
        wrong += linked != true_partners.get(sea_id, set())
    return wrong


def review_queue(result: LinkageResult, band: tuple[float, float] | None = None) -> pa.Table:
    """Pairs whose match probability lies in ``[low, high)``, most likely first, for review.

    The default band spans three bits of match weight either side of the threshold.
    Only ids and scores are given: a reviewer's screen fetches names under its own access checks.
    """
    low, high = band or default_review_band(result.config.threshold)
    if not 0 <= low < high <= 1:
        raise ValueError("band must satisfy 0 <= low < high <= 1")
    c = result.candidates
    in_band = pc.and_(
        pc.greater_equal(c["match_probability"], low), pc.less(c["match_probability"], high)
    )
    model_made = pc.equal(c["source"], "model")
    queue = c.filter(pc.and_(in_band, model_made))
    order = pc.sort_indices(
        queue, sort_keys=[("match_probability", "descending"), ("sea_id", "ascending")]
    )
    return queue.take(order).select(
        ["sea_id", "other_id", "match_probability", "match_weight", "linked"]
    )


def default_review_band(threshold: float) -> tuple[float, float]:
    """Match probabilities three bits of match weight either side of ``threshold``."""
    odds = threshold / (1 - threshold)
    return odds / 8 / (1 + odds / 8), min(odds * 8 / (1 + odds * 8), 0.999)
