"""The output-review story for the tests: Dr. Ortiz's project, its tables, made through the
services as the team and the checkers do (imported by the review and findings tests)."""

from __future__ import annotations

from datetime import date

from steward.accounts.models import Organization

# Birch Lake holds 4 students in grade 8: the engine stops it.
UNSAFE = (
    "district,school,n\n"
    "Northern Lakes,Pine Hollow,31\nNorthern Lakes,Birch Lake,4\nNorthern Lakes,Elk River,22\n"
    "Harbor City,Harbor Middle,140\nHarbor City,Bayview Middle,96\n"
)
# The fix: the northern district's schools reported together.
SAFE = "district,n\nNorthern Lakes,57\nHarbor City,236\n"
DESCRIPTION = (
    "Students chronically absent in grade 8 (absent 10% or more of the days enrolled) who "
    "enrolled in college within two years, by district. Counts of students."
)
POPULATION = "Grade 8, 2018-19, chronically absent, enrolled in college within two years"


def make_project(people):
    from steward.agenda.models import Partnership
    from steward.agenda.services import (
        partnership_create,
        project_create,
        project_set_status,
        question_create,
    )

    question = question_create(
        actor=people["maya"],
        title="Which chronically absent middle schoolers enroll in college?",
        description="Plain words.",
        policy_area="Attendance",
        priority=1,
        source="legislature",
    )
    alliance = partnership_create(
        actor=people["maya"],
        name=f"Alliance {Partnership.objects.count() + 1}",
        kind="alliance",
        summary="A standing alliance.",
        proposes_questions="The Department.",
        decides_publication="The researchers.",
        interprets_findings="The researchers.",
        disseminates="Both.",
        independence="Full.",
        review_period_days=30,
        starts_on=date(2025, 7, 1),
        parties=[(Organization.objects.get(code="lde"), "State education agency")],
    )
    project = project_create(
        actor=people["maya"],
        partnership=alliance,
        title="Chronic absence and college",
        summary="Who still enrolls.",
        pi=people["ana"],
        liaison=people["maya"],
        starts_on=date(2026, 1, 15),
        questions=[question],
        team=[people["ben"]],
    )
    project_set_status(actor=people["maya"], project=project, status="active")
    return project


def sea():
    return Organization.objects.get(code="lde")


def submit(
    person,
    project,
    text=SAFE,
    dims=("district",),
    previous=None,
    population=POPULATION,
    title="College enrollment of chronically absent eighth graders",
):
    from steward.outputs.review_services import output_submit

    return output_submit(
        actor=person,
        project=project,
        kind="table",
        title=title,
        description=DESCRIPTION,
        population=population,
        data_version="Extract 1 (2024)",
        data=text.encode(),
        filename="enrolled.csv",
        agencies=[sea()],
        dims=list(dims),
        count="n",
        previous=previous,
    )


def release(people, project, **kwargs):
    from steward.outputs.review_services import output_decide

    output = submit(people["ben"], project, **kwargs)
    output_decide(actor=people["maya"], output=output, decision="approve", reasons="Clear.")
    return output_decide(actor=people["daniel"], output=output, decision="approve", reasons="Safe.")
