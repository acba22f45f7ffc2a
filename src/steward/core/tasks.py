"""The one background task: run a recorded Job."""

from __future__ import annotations

from django_tasks import task

from steward.core.jobs import job_run
from steward.core.models import Job


@task()
def run_job_task(job_id: str) -> str:
    job = Job.objects.get(pk=job_id)
    return job_run(job).status
