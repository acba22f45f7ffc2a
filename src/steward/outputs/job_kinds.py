"""The outputs' jobs, run in the background: a large report built and protected, a large uploaded
table protected, and a large release's certificate verified."""

from __future__ import annotations

from typing import Any

from steward.core.jobs import JobError, Progress, job_kind
from steward.dataplane.warehouse import WarehouseError
from steward.outputs.models import ProtectedTable, Release, ReportRun
from steward.outputs.report_services import (
    REPORT_JOB,
    report_run_build,
    report_run_failed,
)
from steward.outputs.reports import ReportError
from steward.outputs.services import (
    PROTECT_JOB,
    VERIFY_JOB,
    release_verify_run,
    table_protect_failed,
    table_protect_run,
)
from steward.outputs.tables import TableInputError


@job_kind(REPORT_JOB, title="Build and protect a report")
def build_report_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: run (the id of the ReportRun row made by `report_start`)."""
    run = ReportRun.objects.select_related("created_by").get(pk=params["run"])

    def step(done: int, total: int, line: str) -> None:
        progress.update(done, total)
        progress.log(line)  # counts of cells only

    try:
        report_run_build(run, step)
    except (ReportError, WarehouseError) as error:
        report_run_failed(run, str(error))
        raise JobError(str(error)) from None
    except Exception:
        report_run_failed(run, "internal error; see the server log")
        raise
    run.refresh_from_db()
    return {"report": run.pk, "cells": run.n_cells, "suppressed": run.n_suppressed}


@job_kind(VERIFY_JOB, title="Verify a release's certificate")
def verify_release_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: release (the id of the Release whose certificate is verified again)."""
    release = Release.objects.filter(pk=params["release"]).first()
    if release is None:
        raise JobError(f"Release {params['release']} is no longer in the ledger.")
    if release.verify_job_id != progress.job.pk:
        # A later verification replaced this one (this one was taken for lost): leave it be.
        progress.log("A later verification of this release replaced this one.")
        return {"release": release.pk, "verified": None, "replaced": True}
    progress.update(0, 1)
    progress.log(f"Auditing the {release.n_cells:,} cells of release {release.pk} again.")
    result = release_verify_run(release, actor=progress.job.created_by)
    progress.update(1, 1)
    progress.log("The certificate verifies." if result.ok else "The certificate does not verify.")
    return {"release": release.pk, "verified": result.ok, "problems": len(result.problems)}


@job_kind(PROTECT_JOB, title="Protect an uploaded table")
def protect_upload_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: table (the id of the ProtectedTable made by `table_protect_start`)."""
    table = ProtectedTable.objects.filter(pk=params["table"]).first()
    if table is None:
        raise JobError(f"Protected table {params['table']} no longer exists.")
    progress.update(0, 1)
    progress.log("Protecting the table and auditing every hidden cell.")
    try:
        table = table_protect_run(table)
    except TableInputError as error:
        table_protect_failed(table, str(error))  # shown on the table's page, to its uploader only
        raise JobError("The table could not be protected; its page says why.") from None
    except Exception:
        table_protect_failed(table, "internal error; see the server log")
        raise
    progress.update(1, 1)
    progress.log(f"{table.n_suppressed:,} of {table.n_cells:,} cells hidden.")  # counts only
    return {"table": table.pk, "cells": table.n_cells, "suppressed": table.n_suppressed,
            "passed": table.passed}  # fmt: skip
