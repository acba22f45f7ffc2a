"""Linkage runs, review decisions and crosswalks. Each change runs in one transaction with its
audit entry; audit summaries and errors carry codes and counts, never a person's values."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from steward.accounts.models import Organization
from steward.catalog.services import warehouse
from steward.core.audit import audit_record, audit_record_now
from steward.core.jobs import job_create
from steward.core.models import Job
from steward.dataplane.keys import KeyServiceError
from steward.dataplane.linkage import (
    BACKENDS,
    BackendUnavailable,
    DecisionError,
    LinkageConfig,
    LinkageInputError,
    LinkageResult,
    evaluate,
    link,
    link_encoded,
    read_truth,
    record_tokens,
    review_queue,
    write_chart_specs,
    write_crosswalk,
)
from steward.dataplane.linkage.quality import default_review_band
from steward.dataplane.warehouse import WarehouseError
from steward.linkage import agency_side
from steward.linkage.models import Crosswalk, LinkageRun, ReviewPair
from steward.linkage.selectors import agency_by_code, decisions_for, latest_inputs

RUN_JOB = "linkage.run"
STEPS = 6
Step = Callable[[int, str], None]


def _no_step(done: int, line: str) -> None:
    pass


# Starting a run -----------------------------------------------------------------------------


def _agencies(from_agency: str, to_agency: str) -> tuple[Organization, Organization]:
    if from_agency != "sea":
        raise ValidationError("Linkage runs from the SEA's students: use --from sea.")
    if to_agency == from_agency:
        raise ValidationError("Link the SEA with another agency, not with itself.")
    return agency_by_code(from_agency), agency_by_code(to_agency)


def _check_may_link(actor: Any, pair: tuple[Organization, Organization]) -> None:
    if actor is None or not actor.has_perm("linkage.start_run_between", pair):
        who = getattr(actor, "full_name", "") or "This person"
        raise PermissionDenied(
            f"{who} is not a data steward of {pair[0].name} or {pair[1].name}, and no agreement "
            "authorizes them to match these agencies' records."
        )


def _check_mode(mode: str, backend: str = "duckdb") -> None:
    if mode not in LinkageRun.Mode.values:
        raise ValidationError(f"Unknown mode {mode!r}: use clear or private.")
    if backend not in BACKENDS:
        raise ValidationError(f"Unknown backend {backend!r}: use {' or '.join(BACKENDS)}.")
    if mode == LinkageRun.Mode.PRIVATE and backend != "duckdb":
        raise ValidationError(
            "The privacy-preserving mode links in this process; the Spark backend is for "
            "clear-text runs."
        )


def review_band_check(
    band: tuple[float, float] | list[float] | None, *, threshold: float
) -> tuple[float, float]:
    """The review band a run will use: ``band`` if it is valid, else the default around
    ``threshold``. Valid means 0 <= low < threshold <= high <= 1, so the band holds the
    threshold and the queue shows pairs on both sides of it."""
    if band is None:
        return default_review_band(threshold)
    try:
        low, high = (float(v) for v in band)
    except (TypeError, ValueError):
        raise ValidationError("The review band is two probabilities, low and high.") from None
    if not 0 <= low < threshold <= high <= 1:
        raise ValidationError(
            f"The review band must satisfy 0 <= low < threshold ({threshold:g}) <= high <= 1; "
            f"got low {low:g}, high {high:g}."
        )
    return low, high


def linkage_run_start(
    *,
    actor: Any,
    from_agency: str,
    to_agency: str,
    mode: str = "clear",
    truth: str = "",
    review_band: tuple[float, float] | None = None,
    backend: str = "duckdb",
) -> Job:
    """Check that the actor may link these agencies and queue the run as a job.

    ``truth`` (the synthetic state's true links, a file of the operator's) adds measured
    precision, recall and F1 to the run's figures. ``review_band`` (low, high) is the range of
    match probability whose pairs go to clerical review; by default three bits of match
    weight either side of the threshold. ``backend`` is where Splink runs: duckdb (in the
    worker) or spark (``STEWARD_SPARK_MASTER``; clear mode only).
    """
    pair = _agencies(from_agency, to_agency)
    _check_may_link(actor, pair)
    _check_mode(mode, backend)
    params: dict[str, Any] = {"from": from_agency, "to": to_agency, "mode": mode}
    if backend != "duckdb":
        params["backend"] = backend
    if review_band is not None:
        params["review_band"] = list(
            review_band_check(review_band, threshold=LinkageConfig().threshold)
        )
    if truth:
        params["truth"] = str(Path(truth).absolute())
    return job_create(actor=actor, kind=RUN_JOB, params=params)


# Running it ---------------------------------------------------------------------------------


def _safe_message(error: BaseException) -> str:
    # The data plane's own errors name columns and counts; anything else stays in the log.
    safe = (LinkageInputError, DecisionError, BackendUnavailable, ValidationError, PermissionDenied)
    if isinstance(error, safe):
        return " ".join(getattr(error, "messages", [str(error)]))
    return "internal error; see the server log"


def linkage_run_execute(
    *,
    actor: Any,
    from_agency: str,
    to_agency: str,
    mode: str = "clear",
    truth: str = "",
    backend: str = "duckdb",
    job: Job | None = None,
    config: LinkageConfig | None = None,
    review_band: tuple[float, float] | None = None,
    on_step: Step = _no_step,
) -> LinkageRun:
    """Link the latest warehouse versions of two agencies' people and record the run.

    Writes the encrypted crosswalk and the diagnostics' chart specs under
    ``DATA_DIR/linkage/run-<id>/``, keeps the pairs within the review band for review (the
    band is recorded in the run's settings), and applies every earlier decision about these
    agencies' pairs in this mode.
    """
    pair = _agencies(from_agency, to_agency)
    _check_may_link(actor, pair)
    _check_mode(mode, config.backend if config else backend)
    config = config or LinkageConfig(other_agency=to_agency, backend=backend)
    band = review_band_check(review_band, threshold=config.threshold)
    inputs = {code: latest_inputs(code) for code in (from_agency, to_agency)}
    for code, versions in inputs.items():
        if not versions:
            raise ValidationError(f"The warehouse holds no accepted people file of {code}.")
    with transaction.atomic():
        run = LinkageRun.objects.create(
            from_agency=pair[0],
            to_agency=pair[1],
            mode=mode,
            config={**asdict(config), "review_band": list(band)},
            started_by=actor,
            job=job,
        )
        run.input_versions.set([v for versions in inputs.values() for v in versions])
        audit_record(
            actor=actor,
            action="linkage_run.started",
            target=run,
            summary={
                "from": from_agency,
                "to": to_agency,
                "mode": mode,
                "inputs": sum(len(v) for v in inputs.values()),
            },
        )
    try:
        _link_and_record(run, inputs, config, truth=truth, band=band, on_step=on_step)
    except BaseException as error:
        _fail(run, actor, _safe_message(error))
        raise
    return run


def _link_and_record(
    run: LinkageRun,
    inputs: dict,
    config: LinkageConfig,
    *,
    truth: str,
    band: tuple[float, float],
    on_step: Step,
) -> None:
    sea_code, other_code = run.from_agency_code, run.to_agency_code
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    on_step(1, "Reading each agency's latest files from the warehouse (decrypted in memory).")
    sea = agency_side.agency_people(sea_code, inputs[sea_code])
    other = agency_side.agency_people(other_code, inputs[other_code])
    timings["read"] = time.perf_counter() - clock
    decisions = _decisions_in_run(run, sea, other)
    on_step(2, f"Linking {sea.num_rows} and {other.num_rows} people; {len(decisions)} decisions.")
    clock = time.perf_counter()
    if run.mode == LinkageRun.Mode.PRIVATE:
        result, truth_ids = _link_privately(run, sea, other, config, decisions)
    else:
        result = link(sea, other, config=config, decisions=decisions)
        truth_ids = None
    timings["link"] = time.perf_counter() - clock
    on_step(4, "Writing the encrypted crosswalk and the diagnostics.")
    root = Path(settings.DATA_DIR)
    crosswalk = write_crosswalk(root, warehouse().keys, run.key, result.crosswalk)
    charts = write_chart_specs(crosswalk.parent / "charts", result.diagnostics)
    queue = review_queue(result, band=band)
    metrics = _metrics(result, truth, other_code, truth_ids)
    on_step(5, f"Recording the run: {result.pairs.num_rows} links, {queue.num_rows} to review.")
    figures = _figures(result, queue, metrics, timings)
    with transaction.atomic():
        run.status = LinkageRun.Status.SUCCEEDED
        run.figures = figures
        run.crosswalk_path = os.path.relpath(crosswalk, root)
        run.charts_path = os.path.relpath(charts[0].parent, root)
        run.finished_at = timezone.now()
        run.save(
            update_fields=["status", "figures", "crosswalk_path", "charts_path", "finished_at"]
        )
        ReviewPair.objects.bulk_create(_review_pairs(run, queue))
        audit_record(
            actor=run.started_by,
            action="linkage_run.succeeded",
            target=run,
            summary={
                "links": result.pairs.num_rows,
                "review_pairs": queue.num_rows,
                "sea_people": sea.num_rows,
                "other_people": other.num_rows,
            },
        )
    on_step(STEPS, "Done.")


def _decisions_in_run(run: LinkageRun, sea: pa.Table, other: pa.Table) -> list[tuple]:
    """Earlier decisions for this agency pair and mode, for records that are in this run."""
    decisions = decisions_for(run.from_agency, run.to_agency, run.mode)
    if run.mode == LinkageRun.Mode.PRIVATE:
        key_id = _secret_key_id(run)
        secret = warehouse().keys.create_key(key_id)
        sea_ids = set(record_tokens(sea["person_id"].to_pylist(), secret=secret, agency="sea"))
        other_ids = set(
            record_tokens(other["person_id"].to_pylist(), secret=secret, agency=run.to_agency_code)
        )
    else:
        sea_ids, other_ids = set(sea["person_id"].to_pylist()), set(other["person_id"].to_pylist())
    return [d for d in decisions if d[0] in sea_ids and d[1] in other_ids]


def _secret_key_id(run: LinkageRun) -> str:
    return agency_side.linkage_secret_key_id(run.from_agency_code, run.to_agency_code)


def _link_privately(
    run: LinkageRun, sea: pa.Table, other: pa.Table, config: LinkageConfig, decisions: list
) -> tuple[LinkageResult, dict[str, dict[str, str]]]:
    key_id = _secret_key_id(run)
    # Agency side: each agency encodes its own people; only the encodings go on.
    sea_encoded = agency_side.agency_encode(sea, agency="sea", secret_key_id=key_id)
    other_encoded = agency_side.agency_encode(
        other, agency=run.to_agency_code, secret_key_id=key_id
    )
    # Platform side: the linkage step sees tokens, keyed exact keys and Bloom filters only.
    result = link_encoded(sea_encoded, other_encoded, config=config, decisions=decisions)
    # Agency side again, for measuring against a truth file only: ids to tokens.
    tokens = {
        "sea": agency_side.agency_tokens(
            sea["person_id"].to_pylist(), agency="sea", secret_key_id=key_id
        ),
        "other": agency_side.agency_tokens(
            other["person_id"].to_pylist(), agency=run.to_agency_code, secret_key_id=key_id
        ),
    }
    return result, {side: {i: t for t, i in m.items()} for side, m in tokens.items()}


def _metrics(
    result: LinkageResult, truth: str, other_code: str, truth_ids: dict | None
) -> dict | None:
    if not truth:
        return None
    path = Path(truth)
    table = read_truth(path, other_code) if path.is_dir() else _truth_file(path)
    if truth_ids is not None:
        sea_map, other_map = truth_ids["sea"], truth_ids["other"]
        rows = [
            (sea_map.get(s), other_map.get(o))
            for s, o in zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True)
        ]
        rows = [(s, o) for s, o in rows if s and o]
        table = pa.table({"sea": [r[0] for r in rows], "other": [r[1] for r in rows]})
    return evaluate(result, table).to_dict()


def _truth_file(path: Path) -> pa.Table:
    # A truth file as `steward synth` writes it: SEA ids, then the other agency's ids.
    if not path.is_file():
        raise ValidationError(f"There is no truth file at {path}.")
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    return pa.table([table.column(i).cast(pa.string()) for i in (0, 1)], names=["sea", "other"])


def _figures(
    result: LinkageResult, queue: pa.Table, metrics: dict | None, timings: dict
) -> dict[str, Any]:
    diagnostics = result.diagnostics
    return {
        "method": diagnostics.method,
        "threshold": diagnostics.threshold,
        "counts": dict(diagnostics.counts),
        "blocking": diagnostics.blocking,
        "histogram": diagnostics.histogram,
        "parameters": diagnostics.parameters,
        "metrics": metrics,
        "review_queue": queue.num_rows,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }


def _review_pairs(run: LinkageRun, queue: pa.Table) -> list[ReviewPair]:
    return [
        ReviewPair(
            run=run,
            position=position,
            sea_id=row["sea_id"],
            other_id=row["other_id"],
            probability=row["match_probability"],
            match_weight=row["match_weight"],
            linked=row["linked"],
        )
        for position, row in enumerate(queue.to_pylist(), start=1)
    ]


def _fail(run: LinkageRun, actor: Any, message: str) -> None:
    with transaction.atomic():
        updated = LinkageRun.objects.filter(pk=run.pk, status=LinkageRun.Status.RUNNING).update(
            status=LinkageRun.Status.FAILED, error=message, finished_at=timezone.now()
        )
        if updated == 1:
            audit_record(
                actor=actor, action="linkage_run.failed", target=run, summary={"mode": run.mode}
            )


# Reviewing pairs ----------------------------------------------------------------------------


def _check_may_review(actor: Any, run: LinkageRun) -> None:
    if actor is None or not actor.has_perm("linkage.review_pair", run):
        raise PermissionDenied(
            "Only the data stewards of the two agencies may see and decide a pair."
        )


def pair_records_view(*, actor: Any, pair: ReviewPair) -> dict[str, dict[str, str] | None]:
    """The two records' identifying fields, for a steward of the agencies; audited as access."""
    run = pair.run
    _check_may_review(actor, run)
    audit_record_now(
        actor=actor,
        action="review_pair.viewed",
        target=pair,
        summary={"run": run.pk, "position": pair.position},
    )
    key_id = _secret_key_id(run) if run.mode == LinkageRun.Mode.PRIVATE else ""
    versions = list(run.input_versions.select_related("dataset"))
    records: dict[str, dict[str, str] | None] = {}
    for side, code, record_id in (
        ("sea", run.from_agency_code, pair.sea_id),
        ("other", run.to_agency_code, pair.other_id),
    ):
        mine = [v for v in versions if v.dataset.agency_code == code]
        try:
            records[side] = agency_side.agency_record(code, mine, record_id, secret_key_id=key_id)
        except (WarehouseError, KeyServiceError, LinkageInputError, OSError):
            # A version or key destroyed since the run: the page says the record is gone.
            records[side] = None
    return records


def pair_decide(*, actor: Any, pair: ReviewPair, decision: str) -> ReviewPair:
    """Record a steward's verdict on a pair; it is applied in the next run of these agencies."""
    run = pair.run
    _check_may_review(actor, run)
    if decision not in ReviewPair.Decision.values:
        raise ValidationError("Decide match or non_match.")
    if decision == ReviewPair.Decision.MATCH:
        _check_no_second_partner(pair)
    with transaction.atomic():
        pair.decision = decision
        pair.decided_by = actor
        pair.decided_at = timezone.now()
        pair.save(update_fields=["decision", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="review_pair.decided",
            target=pair,
            summary={"run": run.pk, "position": pair.position, "decision": decision},
        )
    return pair


def _check_no_second_partner(pair: ReviewPair) -> None:
    run = pair.run
    latest = decisions_for(run.from_agency, run.to_agency, run.mode)
    clash = [
        (s, o)
        for s, o, d in latest
        if d == "match"
        and (s, o) != (pair.sea_id, pair.other_id)
        and (s == pair.sea_id or o == pair.other_id)
    ]
    if clash:
        raise ValidationError(
            "One of these records is already decided the same person as another record; "
            "decide that pair non-match first."
        )


# The current crosswalk ----------------------------------------------------------------------


def crosswalk_accept(*, actor: Any, run: LinkageRun) -> Crosswalk:
    """Make a succeeded run the current crosswalk of its agencies and mode."""
    if actor is None or not actor.has_perm("linkage.accept_run", run):
        raise PermissionDenied("Only the data stewards of the two agencies may accept a run.")
    if run.status != LinkageRun.Status.SUCCEEDED:
        raise ValidationError("Only a run that succeeded can become the current crosswalk.")
    with transaction.atomic():
        current, _ = Crosswalk.objects.select_for_update().update_or_create(
            from_agency=run.from_agency,
            to_agency=run.to_agency,
            mode=run.mode,
            defaults={"run": run, "accepted_by": actor, "accepted_at": timezone.now()},
        )
        audit_record(
            actor=actor,
            action="crosswalk.accepted",
            target=current,
            summary={"run": run.pk, "from": run.from_agency_code, "to": run.to_agency_code},
        )
    return current


def current_crosswalk_run(from_agency: str, to_agency: str, mode: str = "clear") -> LinkageRun:
    """The accepted run whose crosswalk is current for these agencies (for extract builders)."""
    found = (
        Crosswalk.objects.select_related("run")
        .filter(
            Q(from_agency__agency_kind=from_agency),
            Q(to_agency__agency_kind=to_agency),
            mode=mode,
        )
        .first()
    )
    if found is None:
        raise ValidationError(f"No accepted crosswalk links {from_agency} and {to_agency}.")
    return found.run
