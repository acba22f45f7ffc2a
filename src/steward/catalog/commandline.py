"""What the `ingest` and `ingest_all` commands share: who acts, when files arrived, and running
a job inline with a progress bar."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone
from rich.progress import Progress, TaskID

from steward.accounts.models import User
from steward.catalog.models import Dataset
from steward.catalog.selectors import agency_stewards
from steward.core.jobs import job_run_inline
from steward.core.models import Job

RECEIVED_HELP = (
    "when the agency sent the file: YYYY-MM-DD, `today` (the default), or `due` (each file on "
    "its due date, as for the synthetic state)"
)


def check_received(text: str) -> str:
    if text not in ("today", "due"):
        try:
            date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--received {text!r}: expected YYYY-MM-DD, today or due") from None
    return text


def received_date(text: str, dataset: Dataset, year: int) -> date:
    if text == "today":
        return timezone.localdate()
    if text == "due":
        return dataset.due_date(year)
    return date.fromisoformat(text)


def acting_steward(email: str | None, agency_code: str) -> User:
    """The person named by --as, or else the agency's one data steward."""
    if email:
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"no active person with the email address {email}")
        return user
    stewards = agency_stewards(agency_code)
    if len(stewards) != 1:
        found = "no data steward" if not stewards else f"{len(stewards)} data stewards"
        raise CommandError(f"agency {agency_code!r} has {found}; name who submits with --as EMAIL")
    return stewards[0]


def run_inline(job: Job, bar: Progress, task: TaskID) -> Job:
    """Run a queued job here and now, moving the bar as it reports progress."""

    def show(current: Job) -> None:
        bar.update(task, completed=current.done, total=current.total or None)

    return job_run_inline(job, show)
