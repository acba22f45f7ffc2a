from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from steward.core.jobs import JobError, Progress, job_create, job_kind, job_run
from steward.core.models import AuditEntry, Job

pytestmark = pytest.mark.django_db


@job_kind("test.count", title="Count to a number")
def count_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    for done in range(1, params["to"] + 1):
        progress.update(done, params["to"])
    progress.log("counted")
    return {"counted": params["to"]}


@job_kind("test.refuse", title="A job that refuses its input")
def refusing_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    raise JobError("The file has no header row.")


@job_kind("test.crash", title="A job with a bug")
def crashing_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    raise KeyError("secret-internal-detail")


def test_a_job_reports_progress_and_result(people):
    job = job_create(actor=people["maya"], kind="test.count", params={"to": 3})
    job = job_run(job)
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result == {"counted": 3}
    assert job.log[-1].endswith("counted")


def test_a_refused_job_shows_its_reason(people):
    job = job_run(job_create(actor=people["maya"], kind="test.refuse"))
    assert job.status == Job.Status.FAILED
    assert job.error == "The file has no header row."


def test_a_crashing_job_does_not_show_internals(people):
    job = job_run(job_create(actor=people["maya"], kind="test.crash"))
    assert job.status == Job.Status.FAILED
    assert "secret-internal-detail" not in job.error


def test_a_job_runs_only_once(people):
    job = job_create(actor=people["maya"], kind="test.count", params={"to": 2})
    job_run(job)
    again = job_run(Job.objects.get(pk=job.pk))
    assert again.status == Job.Status.SUCCEEDED
    assert AuditEntry.objects.filter(object_id=str(job.pk), action="job.succeeded").count() == 1


def test_a_created_job_is_queued_for_the_worker_once_committed(
    people, django_capture_on_commit_callbacks
):
    # The worker itself (`steward worker`) runs this queue in the browser tests, against a
    # separate server process; here the queued task is run in-process.
    from django_tasks_db.models import DBTaskResult

    from steward.core.tasks import run_job_task

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_create(actor=people["priya"], kind="audit.verify")
    assert not DBTaskResult.objects.exists()  # nothing is queued before the commit
    for callback in callbacks:
        callback()
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [str(job.pk)]
    assert run_job_task.call(str(job.pk)) == Job.Status.SUCCEEDED
    job.refresh_from_db()
    assert job.result["checked"] >= 1


def test_unknown_job_kind_is_refused(people):
    with pytest.raises(ValueError, match="unknown job kind"):
        job_create(actor=people["maya"], kind="no.such.kind")


def test_job_page_polls_until_finished(client_for, people):
    job = job_create(actor=people["maya"], kind="test.count", params={"to": 2})
    client = client_for("maya")
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert '<meta http-equiv="refresh"' in page  # the same page refreshes without JavaScript
    job_run(job)
    fragment = client.get(reverse("core:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body
    assert "hx-trigger" not in body
    assert "Succeeded" in body


def test_jobs_list_has_no_n_plus_one(client_for, people, django_assert_max_num_queries):
    for _ in range(5):
        job_create(actor=people["priya"], kind="test.count", params={"to": 1})
    client = client_for("priya")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("core:jobs"))
    assert response.status_code == 200
    assert response.content.decode().count("Count to a number") == 5
