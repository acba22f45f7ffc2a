"""The agreements' daily job: expiry, reminders and escalations, run by cron or the worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from steward.agreements.services import agreements_daily
from steward.core.jobs import Progress, job_kind

DAILY_JOB = "agreements.daily"


@job_kind(DAILY_JOB, title="Agreements: end expired ones, remind, escalate overdue closeouts")
def run_daily(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: `at` (an ISO date-time with its offset) to act as of another moment."""
    at = datetime.fromisoformat(params["at"]) if params.get("at") else None
    progress.update(0, 1)
    report = agreements_daily(actor=progress.job.created_by, at=at)
    progress.log(
        f"Expired {report.expired}; now expiring {report.expiring}; reminders "
        f"{report.reminded}; closeouts escalated {report.escalated}."
    )
    progress.update(1, 1)
    return report.as_dict()
