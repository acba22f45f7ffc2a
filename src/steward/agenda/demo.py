"""The demo's agenda story (STORY.md): the Board's question, the research alliance with
Lakeland State's Center for Education Policy, Dr. Ortiz's project and plan, and Harbor City's
use of the research. Idempotent: a second run finds what the first made."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from steward.accounts.models import Organization, User
from steward.agenda import services
from steward.agenda.models import AgendaQuestion, Partnership, Project
from steward.core.personas import PERSONAS_BY_KEY
from steward.portal.models import ResearchUse
from steward.portal.services import research_use_record

STORY_QUESTION = (
    "Which students who are chronically absent in middle school still enroll in college, "
    "and what distinguishes them?"
)
ALLIANCE = "Lakeland Education Research Alliance"
STORY_PROJECT = "Chronic absence in middle school and the road to college"

QUESTIONS = [
    dict(
        title=STORY_QUESTION,
        description=(
            "Many students miss a tenth or more of the school year in grades 6 to 8. Some of "
            "them still go on to college. The state wants to know who they are and what "
            "schools, programs or circumstances set them apart, so that schools can help more "
            "students like them."
        ),
        policy_area="Attendance and college access",
        priority=AgendaQuestion.Priority.HIGH,
        source=AgendaQuestion.Source.LEGISLATURE,
    ),
    dict(
        title="Do dual-credit courses in high school shorten the time to a college degree?",
        description=(
            "High school students can earn college credit before they graduate. The state "
            "wants to know whether they finish college sooner, and whether that holds for "
            "students from small rural schools."
        ),
        policy_area="College and career readiness",
        priority=AgendaQuestion.Priority.MEDIUM,
        source=AgendaQuestion.Source.BOARD,
    ),
    dict(
        title="What do graduates of career and technical programs earn five years later?",
        description=(
            "Districts asked how students who complete career and technical education "
            "programs fare in the workforce, compared with similar students who do not."
        ),
        policy_area="Workforce outcomes",
        priority=AgendaQuestion.Priority.MEDIUM,
        source=AgendaQuestion.Source.DISTRICTS,
    ),
    dict(
        title="How do families experience the move from elementary to middle school?",
        description=(
            "Parents at stakeholder sessions raised the transition to middle school as a time "
            "when children fall behind. The state wants to understand what helps."
        ),
        policy_area="School transitions",
        priority=AgendaQuestion.Priority.LOW,
        source=AgendaQuestion.Source.STAKEHOLDERS,
    ),
]


def _person(key: str) -> User:
    return User.objects.get(email=PERSONAS_BY_KEY[key].email)


def _questions(maya: User) -> AgendaQuestion:
    for spec in QUESTIONS:
        if not AgendaQuestion.objects.filter(title=spec["title"]).exists():
            services.question_create(actor=maya, **spec)
    return AgendaQuestion.objects.get(title=STORY_QUESTION)


def _alliance(maya: User) -> Partnership:
    found = Partnership.objects.filter(name=ALLIANCE).first()
    if found:
        return found
    organizations = {o.code: o for o in Organization.objects.all()}
    partnership = services.partnership_create(
        actor=maya,
        name=ALLIANCE,
        kind=Partnership.Kind.ALLIANCE,
        summary=(
            "A standing research alliance between the Lakeland Department of Education and "
            "Lakeland State University's Center for Education Policy, to study the questions "
            "on the state's research agenda with the state's longitudinal data."
        ),
        proposes_questions=(
            "The Department proposes questions from its research agenda; the Center may "
            "propose questions, which the Department adds to the agenda if it agrees."
        ),
        decides_publication=(
            "The researchers decide what they publish. The Department reviews findings only "
            "to check that no student can be identified and that facts about programs are "
            "right; it cannot block publication."
        ),
        interprets_findings="The researchers interpret the findings, independently.",
        disseminates=(
            "Both: the Center publishes reports and papers; the Department shares briefs with "
            "districts and the Board."
        ),
        independence=(
            "The researchers keep full independence over methods and interpretation; the "
            "Department's comments are advice."
        ),
        review_period_days=30,
        starts_on=date(2025, 7, 1),
        ends_on=date(2030, 6, 30),
        parties=[
            (organizations["lde"], "State education agency; convenes the alliance"),
            (organizations["lsu-cep"], "Research partner"),
            (organizations["harbor-city"], "District partner; advises on questions"),
        ],
    )
    services.partnership_contact_add(
        actor=maya,
        partnership=partnership,
        name="Maya Chen",
        title="Research office liaison",
        email=PERSONAS_BY_KEY["maya"].email,
        organization=organizations["lde"],
    )
    services.partnership_contact_add(
        actor=maya,
        partnership=partnership,
        name="Dr. Ana Ortiz",
        title="Principal investigator",
        email=PERSONAS_BY_KEY["ana"].email,
        organization=organizations["lsu-cep"],
    )
    services.partnership_document_add(
        actor=maya,
        partnership=partnership,
        title="Alliance charter (memorandum of understanding)",
        url="https://education.lakeland.gov/research/alliance-charter",
    )
    return partnership


def _project(maya: User, question: AgendaQuestion, partnership: Partnership) -> Project:
    found = Project.objects.filter(title=STORY_PROJECT).first()
    if found:
        return found
    ana, ben = _person("ana"), _person("ben")
    project = services.project_create(
        actor=maya,
        partnership=partnership,
        title=STORY_PROJECT,
        summary=(
            "Following students who were in grades 6 to 8 between 2016 and 2019, the study "
            "looks at those who missed many school days and still enrolled in a Lakeland "
            "college, and at what their schools, programs and paths had in common."
        ),
        pi=ana,
        liaison=maya,
        starts_on=date(2026, 1, 15),
        ends_on=date(2027, 12, 31),
        questions=[question],
        team=[ben],
    )
    services.project_set_status(actor=maya, project=project, status=Project.Status.ACTIVE)
    services.question_set_status(
        actor=maya, question=question, status=AgendaQuestion.Status.IN_PROGRESS
    )
    today = timezone.localdate()
    plan_milestone = services.milestone_add(
        actor=maya, project=project, title="Pre-analysis plan registered", due_on=date(2026, 3, 1)
    )
    services.milestone_add(
        actor=maya,
        project=project,
        title="Data request submitted",
        due_on=today - timedelta(days=7),
        owner=ana,
    )
    services.milestone_add(
        actor=maya,
        project=project,
        title="Interim brief to the Department",
        due_on=today + timedelta(days=90),
    )
    services.meeting_record(
        actor=maya,
        project=project,
        held_on=today - timedelta(days=14),
        attendees="Maya Chen\nDr. Ana Ortiz\nBen Carter",
        notes="Agreed the cohorts (grades 6-8, 2016-2019) and the college enrollment outcome.",
        actions=[
            services.ActionSpec(
                "Draft the data request with the element list", ana, today - timedelta(days=3)
            ),
            services.ActionSpec(
                "Confirm the Higher Education Commission's enrollment years",
                maya,
                today + timedelta(days=10),
            ),
        ],
    )
    services.plan_register(
        actor=ana,
        project=project,
        questions=(
            "1. Among students chronically absent (missing 10% or more of days) in any of "
            "grades 6-8, what share enroll in a Lakeland college within two years of "
            "expected high school graduation?\n"
            "2. Which student, school and program characteristics are associated with "
            "enrollment among them?"
        ),
        data=(
            "Department of Education: attendance, demographics and program participation, "
            "grades 6-8, 2016-2019 cohorts. Higher Education Commission: enrollment, linked "
            "by the state's linkage service. Project pseudonyms only."
        ),
        methods=(
            "Descriptive rates by cohort and subgroup; logistic regression of enrollment on "
            "pre-registered characteristics, with school random effects. Cells under 10 "
            "students suppressed."
        ),
        outcomes=(
            "Enrollment in any Lakeland public college within two years of expected graduation."
        ),
    )
    services.milestone_complete(actor=ana, milestone=plan_milestone, on=date(2026, 2, 20))
    return project


def _research_use(maya: User, project: Project) -> None:
    if ResearchUse.objects.filter(used_by="Harbor City Public Schools").exists():
        return
    research_use_record(
        actor=maya,
        kind=ResearchUse.Kind.DISTRICT,
        description=(
            "Used the alliance's early results on chronic absence to redesign its attendance "
            "outreach to middle school families."
        ),
        used_by="Harbor City Public Schools",
        used_on=timezone.localdate() - timedelta(days=2),
        source="Harbor City Board of Education, minutes of the regular meeting",
        source_url="https://harborcity.k12.lakeland.us/board/minutes",
        project=project,
    )


def agenda_seed() -> None:
    """The agenda, the alliance, Dr. Ortiz's project with its plan, and Harbor City's use."""
    maya = _person("maya")
    question = _questions(maya)
    partnership = _alliance(maya)
    project = _project(maya, question, partnership)
    _research_use(maya, project)
