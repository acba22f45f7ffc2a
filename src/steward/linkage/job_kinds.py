"""The linkage job: one run, from the data steward's page or the `link` command."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from steward.core.jobs import JobError, Progress, job_kind
from steward.dataplane.linkage import BackendUnavailable, DecisionError, LinkageInputError
from steward.linkage.services import RUN_JOB, STEPS, linkage_run_execute


@job_kind(RUN_JOB, title="Link two agencies' records")
def run_linkage(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: from, to, mode, and optionally truth (a file of the operator's) and
    review_band ([low, high])."""

    def step(done: int, line: str) -> None:
        progress.update(done, STEPS)
        progress.log(line)

    step(0, f"Linking {params['from']} with {params['to']} ({params['mode']}).")
    try:
        run = linkage_run_execute(
            actor=progress.job.created_by,
            from_agency=params["from"],
            to_agency=params["to"],
            mode=params["mode"],
            truth=params.get("truth", ""),
            backend=params.get("backend", "duckdb"),
            review_band=params.get("review_band"),
            job=progress.job,
            on_step=step,
        )
    except PermissionDenied as error:
        raise JobError(str(error)) from None
    except ValidationError as error:
        raise JobError(" ".join(error.messages)) from None
    except (LinkageInputError, DecisionError, BackendUnavailable) as error:
        raise JobError(str(error)) from None
    counts = run.counts
    return {
        "run": run.pk,
        "links": counts.get("linked_pairs", 0),
        "review_pairs": run.figures.get("review_queue", 0),
    }
