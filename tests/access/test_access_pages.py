"""The request pages, the training page and the public transparency pages, as people use them."""

from __future__ import annotations

from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from steward.access.models import (
    DataRequest,
    DenialReport,
    RequestedElement,
    Status,
    StatusChange,
    TrainingCompletion,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(catalog, people):
    from steward.access.demo import requests_seed

    return requests_seed()


def _text(response) -> str:
    return response.content.decode()


class _Marked(HTMLParser):
    """The text of the first element marked data-testid=…, and its table rows as cell texts."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.depth, self.done, self.in_cell = testid, 0, False, False
        self.text: list[str] = []
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th") and self.rows:
                self.rows[-1].append("")
                self.in_cell = True
        elif not self.done and dict(attrs).get("data-testid") == self.testid:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            self.done = self.depth == 0
            if tag in ("td", "th"):
                self.in_cell = False

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)
            if self.in_cell:
                self.rows[-1][-1] += data


def _marked(response, testid: str) -> _Marked:
    parsed = _Marked(testid)
    parsed.feed(_text(response))
    return parsed


def _marked_text(response, testid: str) -> str:
    return " ".join("".join(_marked(response, testid).text).split())


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


def _noon(year: int, month: int = 6, day: int = 1) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 12))


def _known(people, year: int, status: str, days: int | None = None) -> DataRequest:
    """A request first submitted on 1 June of `year`, decided `days` later (if decided)."""
    submitted = _noon(year)
    return DataRequest.objects.create(
        created_by=people["ana"],
        project_title=f"Study of {year} ({status})",
        status=status,
        first_submitted_at=submitted,
        decided_at=submitted + timedelta(days=days) if days is not None else None,
    )


def test_the_transparency_figures_count_live_by_year_with_the_median_days(
    people, client_for, settings
):
    settings.PAGE_CACHE = True
    _known(people, 2023, Status.DENIED, 50)
    _known(people, 2024, Status.APPROVED, 10)
    _known(people, 2024, Status.DENIED, 30)
    _known(people, 2024, Status.APPROVED, 14)
    _known(people, 2025, Status.APPROVED, 20)
    _known(people, 2025, Status.COMMITTEE)
    _known(people, 2025, Status.SUBMITTED)
    DataRequest.objects.create(created_by=people["ana"], project_title="Never submitted")
    header = ["Year", "Received", "In review", "Approved", "Denied", "Share approved"]
    visitor = client_for(None)
    page = visitor.get("/transparency/")
    assert _marked(page, "figures").rows == [
        [*header, "Median days to a decision"],
        ["2025", "3", "2", "1", "0", "100%", "20"],
        ["2024", "3", "0", "2", "1", "67%", "14"],
        ["2023", "1", "0", "0", "1", "0%", "50"],
        ["All years", "7", "2", "3", "2", "60%", "20"],
    ]
    assert visitor.get("/transparency/")["X-Page-Cache"] == "hit"

    # Live: the next request and the next decision show at once.
    _known(people, 2025, Status.SUBMITTED)
    DataRequest.objects.filter(status=Status.COMMITTEE).update(
        status=Status.DENIED, decided_at=_noon(2025) + timedelta(days=40)
    )
    rows = _marked(visitor.get("/transparency/"), "figures").rows
    assert rows[1][:6] == ["2025", "4", "2", "1", "1", "50%"]
    assert rows[-1][:6] == ["All years", "8", "2", "3", "3", "50%"]
    assert (float(rows[1][6]), float(rows[-1][6])) == (30, 25)  # medians of 20, 40 and of all six


@pytest.fixture
def ben_lapsed(in_committee, people):
    TrainingCompletion.objects.filter(user=people["ben"]).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    return in_committee


def test_the_request_page_and_the_decision_page_name_who_lacks_training(ben_lapsed, client_for):
    detail = client_for("ana").get(f"/requests/{ben_lapsed.pk}/")
    warning = _marked_text(detail, "untrained")
    assert warning.startswith("Privacy training missing or expired for: Ben Carter.")
    assert "Ortiz" not in warning
    decide = client_for("grace").get(f"/requests/{ben_lapsed.pk}/decide/")
    warning = _marked_text(decide, "untrained")
    assert warning == "Cannot be approved yet: privacy training missing or expired for Ben Carter."


def test_no_training_warning_while_everyone_named_is_trained(in_committee, client_for):
    detail = client_for("ana").get(f"/requests/{in_committee.pk}/")
    decide = client_for("grace").get(f"/requests/{in_committee.pk}/decide/")
    assert detail.status_code == decide.status_code == 200
    assert b'data-testid="untrained"' not in detail.content
    assert b'data-testid="untrained"' not in decide.content


def test_the_risk_summary_shows_the_committee_the_small_populations_asked_for(
    in_committee, client_for
):
    page = client_for("samuel").get(f"/requests/{in_committee.pk}/")
    assert "Small populations (named schools or districts): none." in _marked_text(
        page, "risk-summary"
    )
    RequestedElement.objects.filter(request=in_committee, element__name="days_absent").update(
        schools_or_districts="Pine Lake Elementary (0042001)"
    )
    summary = _marked_text(
        client_for("samuel").get(f"/requests/{in_committee.pk}/"), "risk-summary"
    )
    assert (
        "Small populations (named schools or districts): "
        "sea/attendance.days_absent: Pine Lake Elementary (0042001)." in summary
    )
    assert "populations narrowed to named schools or districts" in summary


def test_the_request_page_shows_the_time_spent_in_each_state(in_committee, client_for):
    created = timezone.now() - timedelta(days=12)
    DataRequest.objects.filter(pk=in_committee.pk).update(created_at=created)
    moves = [timedelta(days=2), timedelta(days=3), timedelta(days=5, hours=6), timedelta(days=9)]
    changes = StatusChange.objects.filter(request=in_committee).order_by("at", "pk")
    for change, offset in zip(changes, moves, strict=True):
        StatusChange.objects.filter(pk=change.pk).update(at=created + offset)
    rows = _marked(client_for("grace").get(f"/requests/{in_committee.pk}/"), "clock").rows
    assert rows == [
        ["State", "Time spent"],
        ["Draft", "2 days 0 hours"],
        ["Submitted", "1 day 0 hours"],
        ["In screening", "2 days 6 hours"],
        ["Agency sign-off", "3 days 18 hours"],
        ["Committee review", "3 days 0 hours"],  # until now
    ]
