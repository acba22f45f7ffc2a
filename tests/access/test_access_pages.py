"""The request pages, the training page and the public transparency pages, as people use them."""

from __future__ import annotations

import pytest

from steward.access.models import DataRequest, DenialReport, Status, TrainingCompletion

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(catalog, people):
    from steward.access.demo import requests_seed

    return requests_seed()


def _text(response) -> str:
    return response.content.decode()


def test_list_pages_use_a_fixed_number_of_queries(
    seeded, client_for, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE = False  # what rendering the public pages costs
    for key in ("maya", "ana", "grace", "daniel"):
        client = client_for(key)
        with django_assert_max_num_queries(21):
            assert client.get("/requests/").status_code == 200
    anonymous = client_for(None)
    with django_assert_max_num_queries(9):
        assert anonymous.get("/transparency/").status_code == 200
    with django_assert_max_num_queries(7):
        assert anonymous.get("/transparency/denials/").status_code == 200


def test_a_request_page_uses_a_fixed_number_of_queries(
    seeded, client_for, django_assert_max_num_queries
):
    ortiz = DataRequest.objects.get(status=Status.APPROVED)
    with django_assert_max_num_queries(41):
        assert client_for("grace").get(f"/requests/{ortiz.pk}/").status_code == 200


def test_the_transparency_page_counts_requests_and_lists_approved_projects(seeded, client_for):
    text = _text(client_for(None).get("/transparency/"))
    assert "Chronic absence in middle school and college enrollment" in text
    assert "Student engagement scores for a learning app" in text
    assert "50%" in text  # one approved, one denied (the draft is not counted)
    assert "@demo.steward.test" not in text
    assert "Ortiz" not in text


def test_the_public_denial_report_names_the_organization_and_reasons_but_no_person(
    seeded, client_for
):
    report = DenialReport.objects.get()
    text = _text(client_for(None).get(f"/transparency/denials/{report.pk}/"))
    assert "Brightpath Learning Analytics, Inc." in text
    assert "Commercial use of student data" in text
    assert "Jordan" not in text and "Reyes" not in text


def test_a_researcher_sees_what_waits_for_them_and_the_steward_sees_theirs(seeded, client_for):
    assert "Finish and submit" in _text(client_for("ben").get("/requests/"))
    assert "Revise and resubmit" in _text(client_for("ana").get("/requests/waiting/"))
    assert "Sign off your agency&#x27;s elements" in _text(client_for("rosa").get("/requests/"))
    assert "Nothing waits for you." in _text(client_for("lena").get("/requests/waiting/"))


def test_submitting_an_incomplete_draft_lists_what_is_missing(seeded, client_for):
    draft = DataRequest.objects.get(status=Status.DRAFT)
    response = client_for("ben").post(f"/requests/{draft.pk}/submit/")
    assert response.status_code == 400
    assert "IRB letter (PDF) is not uploaded." in _text(response)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_committee_sees_the_privacy_risk_summary_and_the_researcher_does_not(
    seeded, client_for
):
    in_committee = DataRequest.objects.get(status=Status.COMMITTEE)
    assert "Privacy-risk summary" in _text(
        client_for("samuel").get(f"/requests/{in_committee.pk}/")
    )
    assert "Privacy-risk summary" not in _text(
        client_for("ana").get(f"/requests/{in_committee.pk}/")
    )


def test_the_orientation_is_completed_by_attestation_and_a_right_quiz(people, client_for):
    client = client_for("lena")
    answers = {
        "q_minimum": "minimum",
        "q_small_cells": "publish",
        "q_incident": "report",
        "q_reuse": "project",
        "attested": "on",
    }
    response = client.post("/training/", answers)
    assert response.status_code == 400
    assert "Not yet right" in _text(response)
    response = client.post("/training/", {**answers, "q_small_cells": "check"})
    assert response.status_code == 302
    assert TrainingCompletion.objects.filter(user=people["lena"]).exists()
    assert "Your training is valid until" in _text(client.get("/training/"))


def test_the_edit_page_saves_the_draft_as_you_go(seeded, client_for):
    draft = DataRequest.objects.get(status=Status.DRAFT)
    response = client_for("ben").post(
        f"/requests/{draft.pk}/autosave/",
        {"purpose": "Dual enrollment and persistence."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Saved at" in _text(response)
    draft.refresh_from_db()
    assert draft.purpose == "Dual enrollment and persistence."
