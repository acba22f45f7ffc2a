"""API routes of linkage runs and the review of uncertain pairs.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
Pairs are given by their place in the queue; the records behind them are shown only on the
audited review page.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema

from steward.linkage.selectors import (
    measured_precision,
    review_pair_find,
    review_pairs_of,
    runs_visible_to,
)
from steward.linkage.services import pair_decide

router = Router(tags=["linkage"])


class RunOut(Schema):
    id: int
    from_agency: str
    to_agency: str
    mode: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    started_by: str | None
    config: dict
    counts: dict
    metrics: dict | None
    review_pairs: int
    decided: int
    measured_precision: float | None


class PairOut(Schema):
    position: int
    probability: float
    match_weight: float
    linked: bool
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None


class RunDetailOut(RunOut):
    inputs: list[dict]
    blocking: list[dict]
    parameters: list[dict]
    histogram: list[dict]
    crosswalk_path: str
    error: str
    pairs: list[PairOut]


class DecisionIn(Schema):
    decision: Literal["match", "non_match"]


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _run_out(run) -> dict:
    return {
        "id": run.pk,
        "from_agency": run.from_agency_code,
        "to_agency": run.to_agency_code,
        "mode": run.mode,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "started_by": run.started_by.email if run.started_by else None,
        "config": run.config,
        "counts": run.counts,
        "metrics": run.metrics,
        "review_pairs": run.queued,
        "decided": run.decided,
        "measured_precision": measured_precision(run),
    }


def _pair_out(pair) -> dict:
    return {
        "position": pair.position,
        "probability": pair.probability,
        "match_weight": pair.match_weight,
        "linked": pair.linked,
        "decision": pair.decision or None,
        "decided_by": pair.decided_by.email if pair.decided_by else None,
        "decided_at": pair.decided_at,
    }


@router.get("/runs", response=list[RunOut], url_name="linkage_runs")
def linkage_runs(request, to: str = ""):
    _require(request, "linkage.view_runs")
    return [_run_out(run) for run in runs_visible_to(request.user, to_agency=to)]


@router.get("/runs/{run_id}", response=RunDetailOut, url_name="linkage_run")
def linkage_run(request, run_id: int):
    _require(request, "linkage.view_runs")
    run = runs_visible_to(request.user).filter(pk=run_id).first()
    if run is None:
        raise Http404
    inputs = run.input_versions.select_related("dataset").order_by("dataset", "year")
    figures = run.figures
    return {
        **_run_out(run),
        "inputs": [
            {
                "agency": v.dataset.agency_code,
                "dataset": v.dataset.code,
                "year": v.year,
                "version": v.version,
                "dataset_version": v.pk,
            }
            for v in inputs
        ],
        "blocking": figures.get("blocking", []),
        "parameters": figures.get("parameters", []),
        "histogram": figures.get("histogram", []),
        "crosswalk_path": run.crosswalk_path,
        "error": run.error,
        "pairs": [_pair_out(p) for p in review_pairs_of(run)],
    }


@router.post(
    "/runs/{run_id}/pairs/{position}/decision", response=PairOut, url_name="linkage_pair_decide"
)
def linkage_pair_decide(request, run_id: int, position: int, payload: DecisionIn):
    _require(request, "linkage.view_runs")
    pair = review_pair_find(request.user, run_id, position)
    if pair is None:
        raise Http404
    return _pair_out(pair_decide(actor=request.user, pair=pair, decision=payload.decision))
