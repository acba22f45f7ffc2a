"""The agenda API: a project's life through tokens, and refusals that name what is wrong."""

from __future__ import annotations

import pytest

from steward.accounts.services import api_token_create
from steward.agenda.models import Project

pytestmark = pytest.mark.django_db


def _api(client, people, persona):
    _, token = api_token_create(actor=people[persona], name="test")

    def call(method, path, payload=None):
        return getattr(client, method)(
            f"/api{path}",
            data=payload,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def test_a_project_runs_through_the_api(client, people, alliance, question):
    maya, ana = _api(client, people, "maya"), _api(client, people, "ana")
    created = maya(
        "post",
        "/projects",
        {
            "partnership": alliance.pk,
            "title": "Chronic absence",
            "summary": "Plain words.",
            "pi": "ana@demo.steward.test",
            "liaison": "maya@demo.steward.test",
            "starts_on": "2026-01-15",
            "questions": [question.pk],
            "team": ["ben@demo.steward.test"],
        },
    )
    assert created.status_code == 201, created.content
    project_id = created.json()["id"]
    assert maya("post", f"/projects/{project_id}/status", {"status": "active"}).status_code == 200
    meeting = ana(
        "post",
        f"/projects/{project_id}/meetings",
        {
            "held_on": "2026-02-01",
            "attendees": ["Maya Chen", "Dr. Ana Ortiz"],
            "actions": [
                {"description": "Draft", "owner": "ben@demo.steward.test", "due_on": "2026-02-08"}
            ],
        },
    )
    assert meeting.status_code == 201
    assert meeting.json()["actions"][0]["owner"] == "ben@demo.steward.test"
    plan = ana(
        "post",
        f"/projects/{project_id}/plans",
        {"questions": "Q", "data": "D", "methods": "M", "outcomes": "O"},
    )
    assert plan.status_code == 201 and plan.json()["version"] == 1
    timeline = ana("get", f"/projects/{project_id}/timeline").json()
    assert len(timeline["meetings"]) == 1
    assert [p["version"] for p in maya("get", f"/projects/{project_id}/plans").json()] == [1]
    assert Project.objects.get(pk=project_id).team.get().email == "ben@demo.steward.test"


def test_an_unknown_person_is_refused_with_the_field_named(client, people, alliance):
    response = _api(client, people, "maya")(
        "post",
        "/projects",
        {
            "partnership": alliance.pk,
            "title": "T",
            "summary": "S",
            "pi": "nobody@example.org",
            "liaison": "maya@demo.steward.test",
            "starts_on": "2026-01-15",
        },
    )
    assert response.status_code == 400
    assert "pi: no active person" in response.json()["message"]
    assert not Project.objects.exists()


def test_a_researcher_outside_the_project_reads_it_but_cannot_see_its_timeline(
    client, people, project
):
    lena = _api(client, people, "lena")
    assert lena("get", f"/projects/{project.pk}").status_code == 200
    assert lena("get", f"/projects/{project.pk}/timeline").status_code == 403
