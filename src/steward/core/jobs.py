"""Long-running work: a registry of job kinds, run by the worker or inline from the CLI.

A job function receives the Job's `Progress` and its parameters. It reports progress and
log lines (never student-level values) and returns a JSON-serializable result.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from steward.core.audit import audit_record
from steward.core.models import Job

logger = logging.getLogger(__name__)

JobFunction = Callable[["Progress", dict[str, Any]], dict[str, Any]]
_REGISTRY: dict[str, tuple[str, JobFunction]] = {}


def job_kind(kind: str, *, title: str) -> Callable[[JobFunction], JobFunction]:
    """Register a function as a kind of job."""

    def register(function: JobFunction) -> JobFunction:
        _REGISTRY[kind] = (title, function)
        return function

    return register


def registered_kinds() -> dict[str, str]:
    return {kind: title for kind, (title, _) in _REGISTRY.items()}


class Progress:
    """What a running job reports; written straight to its row so pages see it at once."""

    def __init__(self, job: Job, on_update: Callable[[Job], None] | None = None) -> None:
        self.job = job
        self.on_update = on_update

    def update(self, done: int, total: int | None = None) -> None:
        self.job.done = done
        if total is not None:
            self.job.total = total
        Job.objects.filter(pk=self.job.pk).update(done=self.job.done, total=self.job.total)
        if self.on_update:
            self.on_update(self.job)

    def log(self, line: str) -> None:
        stamped = f"{timezone.now():%H:%M:%S} {line}"
        self.job.log = [*self.job.log, stamped][-500:]
        Job.objects.filter(pk=self.job.pk).update(log=self.job.log)
        if self.on_update:
            self.on_update(self.job)


def job_create(*, actor: Any, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Record a new job and queue it for the worker once the transaction commits."""
    if kind not in _REGISTRY:
        raise ValueError(f"unknown job kind {kind!r}")
    title = _REGISTRY[kind][0]
    with transaction.atomic():
        job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=actor)
        audit_record(actor=actor, action="job.created", target=job, summary={"kind": kind})
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: Any) -> None:
    from steward.core.tasks import run_job_task

    run_job_task.enqueue(str(job_id))


def job_run(job: Job, on_update: Callable[[Job], None] | None = None) -> Job:
    """Run a queued job to its end, recording success or the error."""
    claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if claimed != 1:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    _, function = _REGISTRY[job.kind]
    progress = Progress(job, on_update)
    try:
        result = function(progress, job.params) or {}
    except JobError as error:
        # A refusal written for people (a file that breaks a rule): not a server error.
        logger.info("job %s (%s) refused", job.pk, job.kind)
        _finish(job, Job.Status.FAILED, error=str(error))
    except Exception:
        logger.error("job %s (%s) failed: %s", job.pk, job.kind, traceback.format_exc())
        _finish(job, Job.Status.FAILED, error="internal error; see the server log")
    else:
        _finish(job, Job.Status.SUCCEEDED, result=result)
    if on_update:
        on_update(job)
    return job


def _finish(job: Job, status: str, *, error: str = "", result: dict | None = None) -> None:
    job.status = status
    job.error = error
    job.result = result or {}
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "error", "result", "finished_at"])
        audit_record(
            actor=job.created_by,
            action=f"job.{status}",
            target=job,
            summary={"kind": job.kind},
        )


class JobError(RuntimeError):
    """A failure whose message is fit to show the person who started the job."""


def job_run_inline(job: Job, on_update: Callable[[Job], None]) -> Job:
    """Run a queued job here and now (a command's progress bar), following it to its end.

    The job is queued for the worker too; if a worker claimed it first, follow its progress,
    and show where it ended even when the worker had finished it before this looked.
    """
    job = job_run(job, on_update=on_update)
    while not job.is_finished:
        time.sleep(0.5)
        job.refresh_from_db()
        on_update(job)
    on_update(job)  # where it ended: job_run reports nothing when the worker had finished it
    return job
