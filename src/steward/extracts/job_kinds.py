"""The extract build job (from the liaison's page, `steward extract build AGREEMENT_ID` or a
scheduled refresh) and the extracts' daily job (destruction at the end, refreshes when due)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from steward.core.jobs import JobError, Progress, job_kind
from steward.dataplane.extract import ExtractError
from steward.dataplane.warehouse import WarehouseError
from steward.extracts.models import Extract
from steward.extracts.services import (
    BUILD_JOB,
    extract_build_failed,
    extract_build_run,
    extracts_daily,
    extracts_refresh,
)

logger = logging.getLogger(__name__)

DAILY_JOB = "extracts.daily"


@job_kind(BUILD_JOB, title="Build a de-identified extract")
def build_extract_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: extract (the id of the Extract row created by `extract_build`)."""
    extract = Extract.objects.select_related("agreement", "project").get(pk=params["extract"])

    def step(done: int, total: int, line: str) -> None:
        progress.update(done, total)
        progress.log(line)  # table names and counts only

    try:
        extract = extract_build_run(extract, step)
    except (ExtractError, WarehouseError) as error:
        extract_build_failed(extract, str(error))
        raise JobError(str(error)) from None
    except Exception:
        extract_build_failed(extract, "internal error; see the server log")
        raise
    return {
        "extract": extract.pk,
        "status": extract.status,
        "files": extract.files.count(),
        "rows": extract.rows,
    }


@job_kind(DAILY_JOB, title="Extracts: destroy ended agreements' copies, queue due refreshes")
def run_daily(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: `at` (an ISO date-time with its offset) to act as of another moment."""
    at = datetime.fromisoformat(params["at"]) if params.get("at") else None
    progress.update(0, 2)
    destroyed = extracts_daily(at=at)
    progress.log(f"Destroyed the copies of {len(destroyed)} extract(s).")
    progress.update(1, 2)
    queued = extracts_refresh(at=at)
    progress.log(f"Queued {len(queued)} scheduled refresh(es).")
    progress.update(2, 2)
    return {
        "destroyed": [e.pk for e in destroyed],
        "refreshes": [e.pk for e in queued],
    }
