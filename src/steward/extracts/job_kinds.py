"""The extract build job, from the liaison's page or `steward extract build AGREEMENT_ID`."""

from __future__ import annotations

import logging
from typing import Any

from steward.core.jobs import JobError, Progress, job_kind
from steward.dataplane.extract import ExtractError
from steward.dataplane.warehouse import WarehouseError
from steward.extracts.models import Extract
from steward.extracts.services import BUILD_JOB, extract_build_failed, extract_build_run

logger = logging.getLogger(__name__)


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
