"""The ingest job: check an agency's file and store it, from the upload page or the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from steward.catalog.services import INGEST_JOB, dataset_ingest, incoming_path, refusal_lines
from steward.core.jobs import JobError, Progress, job_kind


@job_kind(INGEST_JOB, title="Check and store an agency's file")
def ingest_file(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: agency, dataset, year, received, and either `upload` (a file in the incoming
    folder, removed afterwards) or `path` (a file of the operator's, left in place)."""
    label = f"{params['agency']}/{params['dataset']}/{params['year']}"
    uploaded = "upload" in params
    try:
        path = incoming_path(params["upload"]) if uploaded else Path(params["path"])
    except ValidationError as error:
        raise JobError(" ".join(error.messages)) from None
    progress.update(0, 2)
    progress.log(f"Checking {label} against the catalog.")
    try:
        version = dataset_ingest(
            actor=progress.job.created_by,
            agency=params["agency"],
            dataset=params["dataset"],
            year=int(params["year"]),
            path=path,
            received=date.fromisoformat(params["received"]),
            file_name=params.get("file_name", ""),
        )
    except PermissionDenied as error:
        raise JobError(str(error)) from None
    except ValidationError as error:
        raise JobError(" ".join(error.messages)) from None
    finally:
        if uploaded:
            path.unlink(missing_ok=True)
    progress.update(2, 2)
    if not version.accepted:
        progress.log(f"{label} refused: {version.blocking_count} blocking problems.")
        raise JobError("\n".join(refusal_lines(version)))
    progress.log(
        f"{label} stored as version {version.version}: {version.rows} rows, "
        f"{version.warning_count} warnings."
    )
    return {
        "dataset": label,
        "version": version.version,
        "rows": version.rows,
        "warnings": version.warning_count,
        "dataset_version": version.pk,
    }
