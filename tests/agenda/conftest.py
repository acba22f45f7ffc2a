"""The agenda story for the agenda and portal tests: made through the services, as staff do."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def question(people):
    from steward.agenda.services import question_create

    return question_create(
        actor=people["maya"],
        title="Which chronically absent middle schoolers still enroll in college?",
        description="Plain words about attendance and college.",
        policy_area="Attendance and college access",
        priority=1,
        source="legislature",
    )


@pytest.fixture
def alliance(people):
    from steward.accounts.models import Organization
    from steward.agenda.services import partnership_create

    return partnership_create(
        actor=people["maya"],
        name="Lakeland Education Research Alliance",
        kind="alliance",
        summary="A standing alliance.",
        proposes_questions="The Department, from its agenda.",
        decides_publication="The researchers.",
        interprets_findings="The researchers, independently.",
        disseminates="Both.",
        independence="Full independence over methods and interpretation.",
        review_period_days=30,
        starts_on=date(2025, 7, 1),
        parties=[
            (Organization.objects.get(code="lde"), "State education agency"),
            (Organization.objects.get(code="lsu-cep"), "Research partner"),
        ],
    )


@pytest.fixture
def project(people, question, alliance):
    """Dr. Ortiz's active project: Ben on the team, Maya its liaison."""
    from steward.agenda.services import project_create, project_set_status

    made = project_create(
        actor=people["maya"],
        partnership=alliance,
        title="Chronic absence in middle school and the road to college",
        summary="Who still enrolls, and what sets them apart.",
        pi=people["ana"],
        liaison=people["maya"],
        starts_on=date(2026, 1, 15),
        questions=[question],
        team=[people["ben"]],
    )
    project_set_status(actor=people["maya"], project=made, status="active")
    return made


PLAN = {
    "questions": "1. What share enroll?\n2. What distinguishes them?",
    "data": "Attendance, grades 6-8, 2016-2019; college enrollment.",
    "methods": "Descriptive rates; logistic regression.",
    "outcomes": "Enrollment within two years.",
}


@pytest.fixture
def plan(people, project):
    from steward.agenda.services import plan_register

    return plan_register(actor=people["ana"], project=project, **PLAN)
