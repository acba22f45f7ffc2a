"""The workspace and extract pages as people use them, and the API."""

from __future__ import annotations

import pytest

from steward.core.models import AuditEntry
from steward.extracts.models import WorkspaceQuery

pytestmark = pytest.mark.django_db


def test_a_researcher_runs_a_checked_query_in_the_workspace_and_it_is_audited(ready, client_for):
    response = client_for("ana").post(
        f"/extracts/{ready.pk}/workspace/",
        {"sql": "SELECT school_year, count(*) AS n FROM sea_attendance GROUP BY 1 ORDER BY 1"},
    )
    assert response.status_code == 200
    query = WorkspaceQuery.objects.get()
    assert query.outcome == "shown"
    assert b'data-testid="result"' in response.content
    entry = AuditEntry.objects.get(action="extracts.workspace_query")
    assert entry.summary["outcome"] == "shown" and "sql" not in entry.summary


def test_the_workspace_shows_why_a_result_was_withheld(ready, client_for):
    response = client_for("ben").post(
        f"/extracts/{ready.pk}/workspace/",
        {"sql": "SELECT days_absent, count(*) FROM sea_attendance GROUP BY 1"},
    )
    assert b"threshold" in response.content
    assert b'data-testid="result"' not in response.content


def test_a_shown_result_saved_for_release_goes_to_output_review(ready, client_for, people):
    client = client_for("ana")
    client.post(
        f"/extracts/{ready.pk}/workspace/",
        {"sql": "SELECT school_year, count(*) AS n FROM sea_attendance GROUP BY 1"},
    )
    query = WorkspaceQuery.objects.get()
    response = client.post(
        f"/extracts/{ready.pk}/workspace/{query.pk}/submit/",
        {
            "title": "Students per school year",
            "description": "How many students of the cohort were enrolled in each school year.",
            "population": "Grades 6-8 in 2016-2019",
        },
    )
    assert response.status_code == 302
    query.refresh_from_db()
    assert query.output is not None and query.output.submitted_by == people["ana"]


def test_the_api_lists_extracts_and_runs_workspace_queries(ready, client_for):
    client = client_for("ana")
    listed = client.get("/api/extracts")
    assert [e["reference"] for e in listed.json()] == [ready.reference]
    result = client.post(
        f"/api/extracts/{ready.pk}/workspace",
        data={"sql": "COPY sea_attendance TO 'x.csv'"},
        content_type="application/json",
    )
    assert result.json()["outcome"] == "refused"


def test_the_extract_page_offers_downloads_only_to_named_researchers(ready, client_for):
    assert b"Download" in client_for("ana").get(f"/extracts/{ready.pk}/").content
    maya_page = client_for("maya").get(f"/extracts/{ready.pk}/").content
    assert b'name="format"' not in maya_page
    assert client_for("lena").get(f"/extracts/{ready.pk}/").status_code == 404
