"""Kinds of jobs the core app offers."""

from __future__ import annotations

from typing import Any

from steward.core.audit import audit_verify
from steward.core.jobs import JobError, Progress, job_kind


@job_kind("audit.verify", title="Verify the audit chain")
def verify_audit_chain(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    progress.log("Walking the audit chain from its first entry.")
    report = audit_verify(progress=lambda done, total: progress.update(done, total))
    if not report.intact:
        raise JobError(f"The audit chain is broken at {report.broken}.")
    progress.log(f"All {report.checked} entries verify.")
    return {"checked": report.checked}
