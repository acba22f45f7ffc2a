"""The request lifecycle through the API: the same services, the same refusals."""

from __future__ import annotations

import json

import pytest

from steward.access.models import DataRequest, Status

pytestmark = pytest.mark.django_db


def _post(client, url: str, payload: dict):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def test_a_researcher_drafts_through_the_api_and_is_told_what_is_missing(trained, client_for):
    ana = client_for("ana")
    created = _post(
        ana,
        "/api/requests",
        {"project_title": "Absence and college", "purpose": "Answer the Board's question."},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "draft"
    assert "The IRB letter (PDF) is not uploaded." in body["problems"]
    added = _post(
        ana,
        f"/api/requests/{body['id']}/elements",
        {
            "agency": "sea",
            "dataset": "attendance",
            "element": "days_absent",
            "first_year": 2016,
            "last_year": 2019,
            "grades": "6-8",
            "justification": "Absence.",
        },
    )
    assert added.status_code == 201
    out_of_range = _post(
        ana,
        f"/api/requests/{body['id']}/elements",
        {
            "agency": "sea",
            "dataset": "attendance",
            "element": "days_enrolled",
            "first_year": 2001,
            "last_year": 2019,
        },
    )
    assert out_of_range.status_code == 400
    assert "2015-2024 only" in out_of_range.json()["message"]
    refused = ana.post(f"/api/requests/{body['id']}/submit")
    assert refused.status_code == 400
    assert "Timeline is missing." in refused.json()["message"]


def test_the_liaison_screens_through_the_api_and_a_second_start_conflicts(
    draft, people, client_for
):
    from steward.access import services

    services.request_submit(actor=people["ana"], data_request=draft)
    maya = client_for("maya")
    assert (
        _post(maya, f"/api/requests/{draft.pk}/screening", {"action": "start"}).status_code == 200
    )
    again = _post(maya, f"/api/requests/{draft.pk}/screening", {"action": "start"})
    assert again.status_code == 400
    assert "cannot become" in again.json()["message"]
    passed = _post(
        maya,
        f"/api/requests/{draft.pk}/screening",
        {"action": "pass", "checklist": {key: True for key, _ in services.SCREENING_CHECKLIST}},
    )
    assert passed.json()["status"] == Status.SIGNOFF


def test_a_researcher_links_the_request_to_agenda_questions(draft, client_for):
    from steward.agenda.models import AgendaQuestion

    question = AgendaQuestion.objects.create(
        title="Which chronically absent students still enroll in college?",
        description="The Board's question.",
        policy_area="Attendance",
        source="legislature",
    )
    response = client_for("ana").patch(
        f"/api/requests/{draft.pk}",
        data=json.dumps({"agenda_question_ids": [question.pk]}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["agenda_question_ids"] == [question.pk]
    assert DataRequest.objects.get(pk=draft.pk).agenda_questions.get() == question
