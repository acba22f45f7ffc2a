"""Permission-matrix rows of output review, reports and findings: the team submits, the
project's liaison and a steward of a contributing agency check, the SEA's staff build reports,
and the public reads published findings and their protected tables."""

from __future__ import annotations

from typing import Any

from steward.testing.matrix import Route, expect, only

RESEARCHERS = {"ana", "ben", "lena"}
VIEW_OUTPUTS = RESEARCHERS | {"maya", "daniel", "rosa", "victor", "priya"}
REPORTERS = {"maya", "daniel", "rosa", "victor", "priya"}
FINDINGS_STAFF = RESEARCHERS | {"maya", "priya"}


def _story(fixtures: dict, stage: str) -> Any:
    """The review story up to `stage`: in_review, draft, in_review_finding, cleared, published."""
    import importlib.util
    from pathlib import Path

    key = f"story:{stage}"
    if key in fixtures:
        return fixtures[key]
    path = Path(__file__).parent / "review_story.py"
    spec = importlib.util.spec_from_file_location("review_story_for_matrix", path)
    story = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(story)
    from steward.outputs import findings_services as f

    people = fixtures["people"]
    project = story.make_project(people)
    if stage == "in_review":
        fixtures[key] = story.submit(people["ben"], project)
        return fixtures[key]
    released = story.release(people, project)
    finding = f.finding_create(
        actor=people["ana"],
        project=project,
        title="A finding",
        summary="Plain words.",
        implications="For practice.",
        limits="Limits.",
        full_report="The report.",
        outputs=[released],
        answers=[(q, "answers") for q in project.questions.all()],
    )
    if stage != "draft":
        f.finding_submit_for_review(actor=people["ana"], finding=finding)
    if stage in ("cleared", "published"):
        f.finding_clear(actor=people["maya"], finding=finding, party="sea")
        f.finding_clear(actor=people["ana"], finding=finding, party="partner")
    if stage == "published":
        f.finding_publish(actor=people["maya"], finding=finding)
        fixtures["invitation"] = f.use_invitation_create(
            actor=people["maya"], finding=finding, district_name="Harbor City Public Schools"
        )
    fixtures[key] = finding
    return finding


def _pk(stage: str):
    return lambda fixtures: {"pk": _story(fixtures, stage).pk}


def _api_pk(stage: str, name: str):
    return lambda fixtures: {name: _story(fixtures, stage).pk}


def _table(fixtures: dict) -> dict[str, Any]:
    finding = _story(fixtures, "published")
    return {"pk": finding.pk, "release_id": finding.outputs.get().release_id}


def _token(fixtures: dict) -> dict[str, Any]:
    _story(fixtures, "published")
    return {"token": fixtures["invitation"].token}


def _table_of(status: int, allowed: set[str], visible: set[str]) -> dict:
    """`visible` get `status`; others holding the permission 404; everyone else 403."""
    table = only(allowed, 404, 403, 302)
    table.update(dict.fromkeys(visible, status))
    return table


OUTPUT_SEERS = {"ana", "ben", "maya", "daniel", "priya"}
FINDING_SEERS = {"ana", "ben", "maya", "priya"}

ROUTES = [
    Route("outputs:outputs", only(VIEW_OUTPUTS, 200, 403, 302)),
    Route("outputs:output_new", only(RESEARCHERS, 200, 403, 302)),
    Route("outputs:output", _table_of(200, VIEW_OUTPUTS, OUTPUT_SEERS), kwargs=_pk("in_review")),
    Route(
        "outputs:output_decide",
        {**_table_of(403, VIEW_OUTPUTS, OUTPUT_SEERS), "maya": 302, "daniel": 302},
        method="post",
        kwargs=_pk("in_review"),
        data={"decision": "approve", "reasons": "Clear."},
        mutates=True,
    ),
    Route(
        "outputs:output_withdraw",
        {**_table_of(403, VIEW_OUTPUTS, OUTPUT_SEERS), "ana": 302, "ben": 302},
        method="post",
        kwargs=_pk("in_review"),
        data={"reason": "Wrong year."},
        mutates=True,
    ),
    Route("outputs:report", only(REPORTERS, 200, 403, 302)),
    Route(
        "outputs:report_csv",
        only(REPORTERS, 404, 403, 302),  # the test database's warehouse holds no students
        data={
            "measure": "enrollment",
            "places": "district",
            "first_year": "2020",
            "last_year": "2020",
        },
    ),
    Route(
        "outputs:report_xlsx",
        only(REPORTERS, 404, 403, 302),  # the test database's warehouse holds no students
        data={
            "measure": "enrollment",
            "places": "district",
            "first_year": "2020",
            "last_year": "2020",
        },
    ),
    Route("outputs:findings_workspace", only(FINDINGS_STAFF, 200, 403, 302)),
    Route("outputs:finding_new", only(RESEARCHERS, 200, 403, 302)),
    Route(
        "outputs:finding_workspace",
        _table_of(200, FINDINGS_STAFF, FINDING_SEERS),
        kwargs=_pk("draft"),
    ),
    Route(
        "outputs:finding_review",
        {**_table_of(403, FINDINGS_STAFF, FINDING_SEERS), "ana": 302, "ben": 302},
        method="post",
        kwargs=_pk("draft"),
        mutates=True,
    ),
    Route(
        "outputs:finding_clear",
        {**_table_of(403, FINDINGS_STAFF, FINDING_SEERS), "maya": 302},
        method="post",
        kwargs=_pk("in_review_finding"),
        data={"party": "sea"},
        mutates=True,
    ),
    Route(
        "outputs:finding_publish",
        {**_table_of(403, FINDINGS_STAFF, FINDING_SEERS), "maya": 302, "ana": 302},
        method="post",
        kwargs=_pk("cleared"),
        mutates=True,
    ),
    Route(
        "outputs:finding_invite",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_pk("published"),
        data={"district_name": "Lakeshore"},
        mutates=True,
    ),
    Route("outputs:findings", expect(200, 200)),
    Route("outputs:finding", expect(200, 200), kwargs=_pk("published")),
    Route("outputs:finding_pdf", expect(200, 200), kwargs=_pk("published")),
    Route("outputs:finding_table", expect(200, 200), kwargs=_table),
    Route("outputs:use_report", expect(200, 200), kwargs=_token),
    Route("api:outputs_review", only(VIEW_OUTPUTS, 200, 403, 401)),
    Route(
        "api:outputs_review_decision",
        {**only(VIEW_OUTPUTS, 404, 403, 401), **dict.fromkeys(OUTPUT_SEERS, 403)}
        | {"maya": 200, "daniel": 200},
        method="post",
        kwargs=_api_pk("in_review", "output_id"),
        data={"decision": "approve", "reasons": "Clear."},
        mutates=True,
    ),
    Route("api:outputs_findings", expect(200, 401)),
    Route("api:outputs_finding", expect(200, 401), kwargs=_api_pk("published", "finding_id")),
]
