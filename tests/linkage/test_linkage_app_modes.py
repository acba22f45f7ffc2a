from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steward.core.jobs import job_run
from steward.core.models import Job
from steward.dataplane.linkage import ENCODED_COLUMNS
from steward.linkage import services
from steward.linkage.models import LinkageRun
from steward.linkage.services import linkage_run_execute

pytestmark = pytest.mark.django_db


def test_the_private_mode_links_only_encodings_made_with_the_agencies_secret(
    ingested, people, data_dir, settings, monkeypatch
):
    seen = []
    real = services.link_encoded

    def spy(sea, other, **options):
        seen.append((set(sea.column_names), set(other.column_names)))
        return real(sea, other, **options)

    monkeypatch.setattr(services, "link_encoded", spy)

    run = linkage_run_execute(
        actor=people["daniel"],
        from_agency="sea",
        to_agency="postsecondary",
        mode="private",
        truth=str(ingested),
    )

    assert seen == [(set(ENCODED_COLUMNS), set(ENCODED_COLUMNS))]
    assert run.metrics["f1"] >= 0.9
    keys = json.loads(settings.KEY_FILE.read_text())["keys"]
    assert "pprl.sea.postsecondary" in keys
    assert f"linkage.{run.key}" in keys


def test_the_link_command_runs_a_job_with_a_progress_bar_and_reports_the_run(
    ingested, people, capsys
):
    call_command("link", "--to", "postsecondary", "--truth", str(ingested))

    run = LinkageRun.objects.get()
    out = capsys.readouterr().out
    assert f"Run {run.pk} (clear)" in out and "F1" in out
    assert run.started_by == people["daniel"]
    assert run.job.status == Job.Status.SUCCEEDED
    assert run.job.done == run.job.total == services.STEPS


def test_a_steward_starts_a_run_from_the_page_and_it_runs_as_a_job(ingested, people, client_for):
    response = client_for("rosa").post(
        reverse("linkage:start"), {"to_agency": "postsecondary", "mode": "clear"}
    )
    job = Job.objects.get(kind=services.RUN_JOB)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job", kwargs={"job_id": job.pk})

    job_run(job)

    run = LinkageRun.objects.get()
    assert (job.status, run.started_by, run.job_id) == ("succeeded", people["rosa"], job.pk)
    page = client_for("daniel").get(reverse("linkage:run", kwargs={"run_id": run.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    assert "m and u per comparison level" in body
    assert body.count('src="data:image/svg+xml;base64,') == 2  # both charts drawn, no script


def test_the_api_lists_runs_and_keeps_a_decision(ingested, people, client_for):
    run = linkage_run_execute(
        actor=people["daniel"],
        from_agency="sea",
        to_agency="postsecondary",
        review_band=(0.01, 1.0),
    )
    client = client_for("rosa")
    listed = client.get("/api/linkage/runs").json()
    detail = client.get(f"/api/linkage/runs/{run.pk}").json()
    decided = client.post(
        f"/api/linkage/runs/{run.pk}/pairs/1/decision",
        data=json.dumps({"decision": "match"}),
        content_type="application/json",
    )

    assert [r["id"] for r in listed] == [run.pk]
    assert detail["counts"]["linked_pairs"] == run.counts["linked_pairs"]
    assert len(detail["inputs"]) == 10
    assert "sea_id" not in json.dumps(detail)
    assert decided.status_code == 200
    assert decided.json()["decision"] == "match"
    assert client_for("victor").get(f"/api/linkage/runs/{run.pk}").status_code == 404


def test_the_runs_page_costs_the_same_queries_for_many_runs(db, people, client_for):
    from steward.accounts.models import Organization

    agencies = {o.agency_kind: o for o in Organization.objects.filter(kind="agency")}

    def add_run() -> None:
        LinkageRun.objects.create(
            from_agency=agencies["sea"],
            to_agency=agencies["workforce"],
            status=LinkageRun.Status.SUCCEEDED,
            started_by=people["daniel"],
        )

    client = client_for("daniel")
    add_run()
    client.get(reverse("linkage:runs"))  # the first page fills the footer's cache
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("linkage:runs")).status_code == 200
    for _ in range(5):
        add_run()
    with CaptureQueriesContext(connection) as six:
        assert client.get(reverse("linkage:runs")).status_code == 200
    assert len(six) == len(one)


def test_the_spark_backend_is_refused_for_the_private_mode_before_any_job_starts(people):
    with pytest.raises(CommandError, match="Spark backend is for clear-text runs"):
        call_command(
            "link",
            *("--to", "postsecondary", "--mode", "private", "--backend", "spark"),
            *("--as", people["daniel"].email),
        )
    assert not Job.objects.exists() and not LinkageRun.objects.exists()


def test_a_spark_run_is_queued_with_its_backend_and_a_duckdb_run_as_before(people):
    job = services.linkage_run_start(
        actor=people["daniel"], from_agency="sea", to_agency="postsecondary", backend="spark"
    )
    assert job.params["backend"] == "spark"
    assert services.linkage_run_start(
        actor=people["daniel"], from_agency="sea", to_agency="postsecondary"
    ).params == {"from": "sea", "to": "postsecondary", "mode": "clear"}
