"""Large reports are built and protected by a job: the page follows its progress and then shows
the protected table, which downloads as it is shown; small reports are built at once."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse

from steward.core.jobs import job_run
from steward.core.models import AuditEntry, Job
from steward.outputs import report_services
from steward.outputs.models import ReportRun
from steward.outputs.reports import ReportError

from .synth_tables import synthetic_tables

pytestmark = pytest.mark.django_db
QUERY = {
    "measure": "enrollment",
    "places": ["school", "year"],
    "group": "sex",
    "first_year": "2019",
    "last_year": "2020",
}


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    out: Path = tmp_path_factory.mktemp("reportjobs")
    return synthetic_tables(out, students=400, years=(2019, 2020), seed=5)


@pytest.fixture
def warehouse(monkeypatch, state):
    """The report builder reads these tables where it would read the warehouse."""
    monkeypatch.setattr(report_services, "report_tables", lambda spec: state)


def _start(client):
    response = client.get(reverse("outputs:report"), QUERY)
    assert response.status_code == 302
    return ReportRun.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def test_a_large_report_runs_as_a_job_and_its_page_shows_progress_then_the_table(
    client_for, warehouse, monkeypatch
):
    monkeypatch.setattr(report_services, "INLINE_CELLS", 10)
    maya = client_for("maya")
    run = _start(maya)
    assert run.status == ReportRun.Status.BUILDING and run.estimated_cells > 10
    page = maya.get(reverse("outputs:report_run", args=[run.pk])).content.decode()
    assert "Building and protecting about" in page and 'http-equiv="refresh"' in page
    fragment = maya.get(reverse("outputs:report_run", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert 'id="report-progress"' in fragment.content.decode()

    job = job_run(Job.objects.get(pk=run.job_id))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert any("Protecting about" in line for line in job.log)
    run.refresh_from_db()
    assert run.status == ReportRun.Status.READY and run.n_cells == len(run.rows)
    assert run.n_cells == run.estimated_cells  # schools do not nest in years or sex
    assert AuditEntry.objects.filter(action="outputs.report_build").count() == 1

    ready = maya.get(reverse("outputs:report_run", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert ready.status_code == 204 and ready["HX-Refresh"] == "true"
    page = maya.get(reverse("outputs:report_run", args=[run.pk])).content.decode()
    assert f"{run.n_suppressed} of {run.n_cells} cells hidden" in page
    download = maya.get(reverse("outputs:report_run_csv", args=[run.pk])).content.decode()
    taken = AuditEntry.objects.get(action="outputs.report_download")
    assert taken.actor_id == run.created_by_id and taken.object_id == str(run.pk)
    assert taken.summary["format"] == "csv"
    lines = list(csv.reader(io.StringIO(download)))
    assert lines[0] == run.columns
    assert [line[-1] for line in lines[1:]] == [row["value"] for row in run.rows]
    hidden = [row for row in run.rows if row["suppressed"]]
    assert hidden and all(row["value"] == "*" and row["reason"] for row in hidden)


def test_the_stored_table_keeps_no_true_count(client_for, warehouse, monkeypatch):
    monkeypatch.setattr(report_services, "INLINE_CELLS", 10)
    run = _start(client_for("maya"))
    job_run(Job.objects.get(pk=run.job_id))
    run.refresh_from_db()
    assert all(set(row) == {"codes", "value", "suppressed", "reason"} for row in run.rows)
    assert "cells" not in run.certificate  # the summary certificate: no intervals
    assert run.certificate["passed"] is True


def test_a_small_report_is_built_at_once(client_for, warehouse):
    response = client_for("maya").get(reverse("outputs:report"), QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cells hidden" in html
    assert f'href="{reverse("outputs:report_csv")}?measure=enrollment&amp;places=school' in html
    assert not ReportRun.objects.exists()


def test_a_failed_build_says_why_on_the_page(client_for, warehouse, monkeypatch):
    monkeypatch.setattr(report_services, "INLINE_CELLS", 10)
    maya = client_for("maya")
    run = _start(maya)

    def broken(spec):
        raise ReportError("the warehouse holds no exits for these years")

    monkeypatch.setattr(report_services, "report_tables", broken)
    job = job_run(Job.objects.get(pk=run.job_id))
    assert job.status == Job.Status.FAILED
    run.refresh_from_db()
    assert run.status == ReportRun.Status.FAILED
    page = maya.get(reverse("outputs:report_run", args=[run.pk])).content.decode()
    assert "the warehouse holds no exits" in page
    assert maya.get(reverse("outputs:report_run_csv", args=[run.pk])).status_code == 404


def test_another_builder_cannot_open_someone_elses_report(client_for, warehouse, monkeypatch):
    monkeypatch.setattr(report_services, "INLINE_CELLS", 10)
    run = _start(client_for("maya"))
    assert client_for("daniel").get(reverse("outputs:report_run", args=[run.pk])).status_code == 404
