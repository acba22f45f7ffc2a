"""The API of output review and findings: each person lists the outputs they may see, with
checks but never submitted cells; a checker decides through the same rules as the pages (never
the submitter; release needs two distinct checkers); findings read as their public page shows
them, protected tables included."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steward.core.models import AuditEntry
from steward.outputs.models import Output

from .matrix_review import _story
from .review_story import UNSAFE, make_project, submit

pytestmark = pytest.mark.django_db


def _decide(client, output_id: int, decision: str = "approve", reasons: str = "Clear."):
    return client.post(
        reverse("api:outputs_review_decision", kwargs={"output_id": output_id}),
        data=json.dumps({"decision": decision, "reasons": reasons}),
        content_type="application/json",
    )


def test_the_review_list_shows_the_team_its_outputs_with_checks_but_no_cells(client_for, people):
    project = make_project(people)
    stopped = submit(people["ben"], project, text=UNSAFE, dims=("district", "school"))
    answer = client_for("ana").get(reverse("api:outputs_review"))
    assert answer.status_code == 200
    listed = {o["id"]: o for o in answer.json()}
    assert listed[stopped.pk]["status"] == "checks_failed"
    assert listed[stopped.pk]["n_unsafe"] == 1
    assert [c["kind"] for c in listed[stopped.pk]["checks"]] == ["engine"]
    assert "Birch Lake" not in answer.content.decode()


def test_an_outsider_researcher_sees_no_output_of_another_project(client_for, people):
    submit(people["ben"], make_project(people))
    answer = client_for("lena").get(reverse("api:outputs_review"))
    assert answer.status_code == 200 and answer.json() == []


def test_the_review_list_costs_the_same_queries_for_one_output_or_many(client_for, people):
    project = make_project(people)
    client = client_for("maya")
    submit(people["ben"], project)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("api:outputs_review"))
    for n in range(3):
        submit(people["ben"], project, title=f"Another table {n}")
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(reverse("api:outputs_review")).json()) == 4
    assert len(four) == len(one)


def test_a_submitter_cannot_decide_on_their_own_output_through_the_api(client_for, people):
    output = submit(people["ben"], make_project(people))
    answer = _decide(client_for("ben"), output.pk)
    assert answer.status_code == 403
    assert "message" in answer.json()
    assert output.checks.count() == 1  # the engine's only


def test_two_distinct_checkers_release_an_output_through_the_api(client_for, people):
    output = submit(people["ben"], make_project(people))
    first = _decide(client_for("maya"), output.pk)
    assert first.status_code == 200 and first.json()["status"] == "in_review"
    again = _decide(client_for("maya"), output.pk)
    assert again.status_code == 403
    second = _decide(client_for("daniel"), output.pk, reasons="Every count is large.")
    body = second.json()
    assert second.status_code == 200 and body["status"] == "released"
    assert body["release"] is not None
    assert {c["kind"] for c in body["checks"]} == {"engine", "liaison", "steward"}
    assert Output.objects.get(pk=output.pk).status == Output.Status.RELEASED


def test_a_decision_without_reasons_is_refused_as_json_and_not_audited(client_for, people):
    output = submit(people["ben"], make_project(people))
    before = AuditEntry.objects.count()
    answer = _decide(client_for("maya"), output.pk, reasons="  ")
    assert answer.status_code == 400
    assert answer.json()["code"] == "refused"
    assert AuditEntry.objects.count() == before


def test_a_decision_on_an_output_one_may_not_see_is_not_found(client_for, people):
    output = submit(people["ben"], make_project(people))
    assert _decide(client_for("rosa"), output.pk).status_code == 404


def test_the_findings_list_and_page_show_a_published_finding_with_its_protected_table(
    client_for, people
):
    finding = _story({"people": people}, "published")
    client = client_for("lena")
    listed = client.get(reverse("api:outputs_findings")).json()
    assert [f["id"] for f in listed] == [finding.pk]
    detail = client.get(reverse("api:outputs_finding", kwargs={"finding_id": finding.pk})).json()
    assert detail["summary"] == "Plain words." and detail["limits"] == "Limits."
    release = finding.outputs.get().release
    (table,) = detail["tables"]
    assert table["rows"] == release.published["rows"]
    assert table["csv_url"].endswith(
        reverse("outputs:finding_table", args=[finding.pk, release.pk])
    )


def test_a_finding_not_yet_published_is_not_found_through_the_api(client_for, people):
    draft = _story({"people": people}, "draft")
    client = client_for("ana")
    assert client.get(reverse("api:outputs_findings")).json() == []
    answer = client.get(reverse("api:outputs_finding", kwargs={"finding_id": draft.pk}))
    assert answer.status_code == 404
