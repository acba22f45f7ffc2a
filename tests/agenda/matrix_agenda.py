"""Permission-matrix rows of the agenda, partnerships, projects, plans and the public portal.

The research office (Maya) manages the agenda and partnerships and the projects assigned to
her; Dr. Ortiz edits her own project and alone registers its plans; Ben, on her team, reads it;
Dr. Park, a researcher outside it, does not find it; comments are moderated by Maya or Priya.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from steward.testing.matrix import Route, expect, only

WORKSPACE = {"maya", "ana", "ben", "lena"}
EDITORS = {"maya", "ana"}
MODERATORS = {"maya", "priya"}


def story(fixtures: dict) -> dict[str, Any]:
    """The agenda story, made once per test: a question, an alliance, Dr. Ortiz's active
    project (Ben on the team, Maya its liaison) with a plan, a milestone, a meeting with an
    action, and a pending comment."""
    if "story" in fixtures:
        return fixtures["story"]
    from steward.agenda.models import (
        Action,
        AgendaQuestion,
        Meeting,
        Milestone,
        Partnership,
        PreAnalysisPlan,
        Project,
    )
    from steward.portal.models import Comment

    people = fixtures["people"]
    question = AgendaQuestion.objects.create(
        title="Who enrolls in college?",
        description="Plain words.",
        policy_area="Attendance",
        source="legislature",
    )
    partnership = Partnership.objects.create(
        name="Matrix alliance",
        kind="alliance",
        summary="S",
        proposes_questions="Agency",
        decides_publication="Researchers",
        interprets_findings="Researchers",
        disseminates="Both",
        independence="Full",
        starts_on=date(2025, 1, 1),
    )
    project = Project.objects.create(
        partnership=partnership,
        title="Matrix project",
        summary="S",
        pi=people["ana"],
        liaison=people["maya"],
        status="active",
        starts_on=date(2026, 1, 1),
    )
    project.questions.add(question)
    project.team.add(people["ben"])
    PreAnalysisPlan.objects.create(
        project=project,
        version=1,
        questions="Q",
        data="D",
        methods="M",
        outcomes="O",
        registered_by=people["ana"],
    )
    milestone = Milestone.objects.create(
        project=project, title="Plan", due_on=date(2026, 3, 1), owner=people["ana"]
    )
    meeting = Meeting.objects.create(project=project, held_on=date(2026, 2, 1), attendees="Ana")
    action = Action.objects.create(
        meeting=meeting, description="Draft", owner=people["ana"], due_on=date(2026, 2, 8)
    )
    comment = Comment.objects.create(project=project, body="Thank you for this study.")
    fixtures["story"] = {
        "question": question,
        "partnership": partnership,
        "project": project,
        "milestone": milestone,
        "meeting": meeting,
        "action": action,
        "comment": comment,
    }
    return fixtures["story"]


def _only(allowed: set[str], status: int, **overrides: int) -> dict[str | None, int]:
    """`allowed` get `status`; other signed-in people 403, anonymous visitors the login page."""
    return {**only(allowed, status, 403, 302), **overrides}


def _pk(name: str):
    return lambda fixtures: {"pk": story(fixtures)[name].pk}


def _question_id(fixtures):
    return {"question_id": story(fixtures)["question"].pk}


def _partnership_id(fixtures):
    return {"partnership_id": story(fixtures)["partnership"].pk}


def _project_id(fixtures):
    return {"project_id": story(fixtures)["project"].pk}


def _plan(fixtures):
    return {"pk": story(fixtures)["project"].pk, "version": 1}


def _api_plan(fixtures):
    return {"project_id": story(fixtures)["project"].pk, "version": 1}


def _milestone_id(fixtures):
    return {"milestone_id": story(fixtures)["milestone"].pk}


def _action_id(fixtures):
    return {"action_id": story(fixtures)["action"].pk}


def _comment_id(fixtures):
    return {"comment_id": story(fixtures)["comment"].pk}


def _filling(data: dict[str, Any], kwargs_of, build):
    """A kwargs function that also fills the row's form data with ids of the story's objects
    (they exist only once the test has made them; the data dict is sent after this runs)."""

    def kwargs(fixtures: dict) -> dict[str, Any]:
        found = kwargs_of(fixtures)
        data.clear()
        data.update(build(story(fixtures), fixtures["people"]))
        return found

    return kwargs


def _nothing(fixtures: dict) -> dict[str, Any]:
    story(fixtures)
    return {}


def _project_form(made, people) -> dict[str, Any]:
    return {
        "partnership": made["partnership"].pk,
        "title": "A new study",
        "summary": "Plain words.",
        "questions": [made["question"].pk],
        "pi": people["ana"].pk,
        "team": [people["ben"].pk],
        "liaison": people["maya"].pk,
        "starts_on": "2026-09-01",
    }


def _api_project(made, people) -> dict[str, Any]:
    return {
        "partnership": made["partnership"].pk,
        "title": "A new study",
        "summary": "Plain words.",
        "pi": "ana@demo.steward.test",
        "liaison": "maya@demo.steward.test",
        "starts_on": "2026-09-01",
        "questions": [made["question"].pk],
        "team": ["ben@demo.steward.test"],
    }


QUESTION_FORM = {
    "title": "A new question",
    "description": "Plain words.",
    "policy_area": "Attendance",
    "priority": 1,
    "source": "board",
}
PARTNERSHIP_FORM = {
    "name": "A new alliance",
    "kind": "alliance",
    "summary": "S",
    "proposes_questions": "Agency",
    "decides_publication": "Researchers",
    "interprets_findings": "Researchers",
    "disseminates": "Both",
    "independence": "Full",
    "review_period_days": 30,
    "starts_on": "2026-01-01",
}
PLAN_FORM = {
    "questions": "Q2",
    "data": "D",
    "methods": "M",
    "outcomes": "O",
    "change_note": "Sharper question.",
}


_PARTY: dict[str, Any] = {}
_PROJECT: dict[str, Any] = {}
_PROJECT_EDIT: dict[str, Any] = {}
_MILESTONE: dict[str, Any] = {}
_ACTION: dict[str, Any] = {}
_API_PROJECT: dict[str, Any] = {}

ROUTES = [
    # The public portal
    Route("portal:agenda", expect(200, 200)),
    Route("portal:question", expect(200, 200), kwargs=_pk("question")),
    Route("portal:projects", expect(200, 200)),
    Route("portal:project", expect(200, 200), kwargs=_pk("project")),
    Route("portal:plan", expect(200, 200), kwargs=_plan),
    Route("portal:partnership", expect(200, 200), kwargs=_pk("partnership")),
    Route("portal:research_use", expect(200, 200)),
    Route("portal:search", expect(200, 200)),
    Route("portal:privacy", expect(200, 200)),
    Route("portal:feed", expect(200, 200)),
    # Anyone may comment; the comment waits for moderation and is not an audited change.
    Route(
        "portal:comment_create",
        expect(303, 303),
        method="post",
        kwargs=_pk("project"),
        data={"body": "When will results be published?"},
    ),
    Route("portal:moderation", only(MODERATORS, 200, 403, 302)),
    Route(
        "portal:comment_decide",
        only(MODERATORS, 302, 403, 302),
        method="post",
        kwargs=_pk("comment"),
        data={"status": "approved"},
        mutates=True,
    ),
    Route("portal:research_use_create", only({"maya"}, 200, 403, 302)),
    Route(
        "portal:research_use_create",
        only({"maya"}, 302, 403, 302),
        method="post",
        data={
            "kind": "citation",
            "description": "Cited in a state report.",
            "used_by": "Lakeland Legislature",
            "used_on": "2026-10-01",
            "source": "Report 12",
        },
        mutates=True,
    ),
    # The agenda (staff pages)
    Route("agenda:questions", only(WORKSPACE, 200, 403, 302)),
    Route("agenda:question_create", only({"maya"}, 200, 403, 302)),
    Route(
        "agenda:question_create",
        only({"maya"}, 302, 403, 302),
        method="post",
        data=QUESTION_FORM,
        mutates=True,
    ),
    Route("agenda:question_edit", only({"maya"}, 200, 403, 302), kwargs=_pk("question")),
    Route(
        "agenda:question_edit",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_pk("question"),
        data=QUESTION_FORM,
        mutates=True,
    ),
    Route(
        "agenda:question_status",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_pk("question"),
        data={"status": "in_progress"},
        mutates=True,
    ),
    # Partnerships
    Route("agenda:partnerships", only(WORKSPACE, 200, 403, 302)),
    Route("agenda:partnership_create", only({"maya"}, 200, 403, 302)),
    Route(
        "agenda:partnership_create",
        only({"maya"}, 302, 403, 302),
        method="post",
        data=PARTNERSHIP_FORM,
        mutates=True,
    ),
    Route("agenda:partnership", only(WORKSPACE, 200, 403, 302), kwargs=_pk("partnership")),
    Route("agenda:partnership_edit", only({"maya"}, 200, 403, 302), kwargs=_pk("partnership")),
    Route(
        "agenda:partnership_edit",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_pk("partnership"),
        data=PARTNERSHIP_FORM,
        mutates=True,
    ),
    Route(
        "agenda:party_add",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_filling(
            _PARTY,
            _pk("partnership"),
            lambda made, people: {
                "party-organization": people["hannah"].organization_id,
                "party-role": "X",
            },
        ),
        data=_PARTY,
        mutates=True,
    ),
    Route(
        "agenda:contact_add",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_pk("partnership"),
        data={"contact-name": "Ana Ortiz", "contact-email": "ana@demo.steward.test"},
        mutates=True,
    ),
    Route(
        "agenda:document_add",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_pk("partnership"),
        data={"document-title": "Charter", "document-url": "https://example.org/charter"},
        mutates=True,
    ),
    # Projects
    Route("agenda:projects", only(WORKSPACE, 200, 403, 302)),
    Route("agenda:project_create", only({"maya"}, 200, 403, 302)),
    Route(
        "agenda:project_create",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_filling(_PROJECT, _nothing, _project_form),
        data=_PROJECT,
        mutates=True,
    ),
    Route(
        "agenda:project",
        _only({"maya", "ana", "ben"}, 200, lena=404),
        kwargs=_pk("project"),
    ),
    Route(
        "agenda:project_edit",
        _only(EDITORS, 200, lena=404),
        kwargs=_pk("project"),
    ),
    Route(
        "agenda:project_edit",
        _only(EDITORS, 302, lena=404),
        method="post",
        kwargs=_filling(_PROJECT_EDIT, _pk("project"), _project_form),
        data=_PROJECT_EDIT,
        mutates=True,
    ),
    Route(
        "agenda:project_status",
        _only(EDITORS, 302, lena=404),
        method="post",
        kwargs=_pk("project"),
        data={"status": "completed"},
        mutates=True,
    ),
    Route(
        "agenda:milestone_add",
        _only(EDITORS, 302, lena=404),
        method="post",
        kwargs=_filling(
            _MILESTONE,
            _pk("project"),
            lambda made, people: {
                "milestone-title": "Data request",
                "milestone-due_on": "2026-12-01",
                "milestone-owner": people["ben"].pk,
            },
        ),
        data=_MILESTONE,
        mutates=True,
    ),
    Route(
        "agenda:milestone_complete",
        _only(EDITORS, 302, lena=404),
        method="post",
        kwargs=_pk("milestone"),
        mutates=True,
    ),
    Route(
        "agenda:meeting_add",
        _only(EDITORS, 302, lena=404),
        method="post",
        kwargs=_pk("project"),
        data={
            "meeting-held_on": "2026-11-01",
            "meeting-attendees": "Ana Ortiz\nMaya Chen",
            "meeting-notes": "Good.",
        },
        mutates=True,
    ),
    Route(
        "agenda:action_add",
        _only(EDITORS, 302, lena=404),
        method="post",
        kwargs=_filling(
            _ACTION,
            _pk("meeting"),
            lambda made, people: {
                "description": "Check the years",
                "owner": people["maya"].pk,
                "due_on": "2026-12-01",
            },
        ),
        data=_ACTION,
        mutates=True,
    ),
    Route(
        "agenda:action_complete",
        _only(EDITORS, 302, lena=404),
        method="post",
        kwargs=_pk("action"),
        mutates=True,
    ),
    Route(
        "agenda:interim_share",
        _only(EDITORS, 302, lena=404),
        method="post",
        kwargs=_pk("project"),
        data={"interim-title": "Early rates", "interim-summary": "About a third enroll."},
        mutates=True,
    ),
    Route(
        "agenda:plan_register",
        _only({"ana"}, 200, lena=404),
        kwargs=_pk("project"),
    ),
    Route(
        "agenda:plan_register",
        _only({"ana"}, 302, lena=404),
        method="post",
        kwargs=_pk("project"),
        data=PLAN_FORM,
        mutates=True,
    ),
    Route("agenda:plan_edit", _only({"ana"}, 200, lena=404), kwargs=_plan),
    # Editing a registered plan is refused (409) and changes nothing.
    Route(
        "agenda:plan_edit",
        _only({"ana"}, 409, lena=404),
        method="post",
        kwargs=_plan,
        data=PLAN_FORM,
    ),
    # The API
    Route("api:agenda_list", expect(200, 401)),
    Route(
        "api:agenda_create",
        only({"maya"}, 201, 403, 401),
        method="post",
        data=QUESTION_FORM,
        mutates=True,
    ),
    Route(
        "api:agenda_update",
        only({"maya"}, 200, 403, 401),
        method="patch",
        kwargs=_question_id,
        data={"priority": 1},
        mutates=True,
    ),
    Route(
        "api:agenda_status",
        only({"maya"}, 200, 403, 401),
        method="post",
        kwargs=_question_id,
        data={"status": "answered"},
        mutates=True,
    ),
    Route("api:partnerships_list", expect(200, 401)),
    Route("api:partnerships_detail", expect(200, 401), kwargs=_partnership_id),
    Route(
        "api:partnerships_create",
        only({"maya"}, 201, 403, 401),
        method="post",
        data={**PARTNERSHIP_FORM, "parties": [{"organization": "lsu-cep", "role": "Research"}]},
        mutates=True,
    ),
    Route("api:projects_list", expect(200, 401)),
    Route("api:projects_detail", expect(200, 401), kwargs=_project_id),
    Route(
        "api:projects_create",
        only({"maya"}, 201, 403, 401),
        method="post",
        kwargs=_filling(_API_PROJECT, _nothing, _api_project),
        data=_API_PROJECT,
        mutates=True,
    ),
    Route(
        "api:projects_update",
        only(EDITORS, 200, 403, 401),
        method="patch",
        kwargs=_project_id,
        data={"summary": "Plainer words."},
        mutates=True,
    ),
    Route(
        "api:projects_status",
        only(EDITORS, 200, 403, 401),
        method="post",
        kwargs=_project_id,
        data={"status": "completed"},
        mutates=True,
    ),
    Route(
        "api:projects_timeline",
        only({"maya", "ana", "ben"}, 200, 403, 401),
        kwargs=_project_id,
    ),
    Route(
        "api:milestones_create",
        only(EDITORS, 201, 403, 401),
        method="post",
        kwargs=_project_id,
        data={"title": "Data request", "due_on": "2026-12-01"},
        mutates=True,
    ),
    Route(
        "api:milestones_complete",
        only(EDITORS, 200, 403, 401),
        method="post",
        kwargs=_milestone_id,
        mutates=True,
    ),
    Route(
        "api:meetings_create",
        only(EDITORS, 201, 403, 401),
        method="post",
        kwargs=_project_id,
        data={
            "held_on": "2026-11-01",
            "attendees": ["Ana Ortiz", "Maya Chen"],
            "actions": [
                {
                    "description": "Send list",
                    "owner": "ana@demo.steward.test",
                    "due_on": "2026-11-08",
                }
            ],
        },
        mutates=True,
    ),
    Route(
        "api:actions_complete",
        only(EDITORS, 200, 403, 401),
        method="post",
        kwargs=_action_id,
        mutates=True,
    ),
    Route(
        "api:interim_create",
        only(EDITORS, 201, 403, 401),
        method="post",
        kwargs=_project_id,
        data={"title": "Early rates", "summary": "About a third enroll."},
        mutates=True,
    ),
    Route("api:plans_list", expect(200, 401), kwargs=_project_id),
    Route(
        "api:plans_register",
        only({"ana"}, 201, 403, 401),
        method="post",
        kwargs=_project_id,
        data=PLAN_FORM,
        mutates=True,
    ),
    Route(
        "api:plans_edit",
        only({"ana"}, 409, 403, 401),
        method="put",
        kwargs=_api_plan,
        data=PLAN_FORM,
    ),
    Route("api:research_uses_list", expect(200, 401)),
    Route(
        "api:research_uses_create",
        only({"maya"}, 201, 403, 401),
        method="post",
        data={
            "kind": "policy",
            "description": "Informed the attendance bill.",
            "used_by": "Lakeland Legislature",
            "used_on": "2026-10-01",
            "source": "Bill 42, committee report",
        },
        mutates=True,
    ),
    Route("api:comments_list", only(MODERATORS, 200, 403, 401)),
    Route(
        "api:comments_moderate",
        only(MODERATORS, 200, 403, 401),
        method="post",
        kwargs=_comment_id,
        data={"status": "rejected"},
        mutates=True,
    ),
]
