"""API routes of the research agenda, partnerships, projects, plans and the portal's logs.

Reads of what the portal publishes are open to every token holder; writes follow the same
rules as the pages (the services check them again). People are named by email address.
No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from steward.accounts.models import Organization, User
from steward.agenda import services
from steward.agenda.models import (
    Action,
    AgendaQuestion,
    Milestone,
    Partnership,
    PreAnalysisPlan,
    Project,
)
from steward.agenda.selectors import (
    project_workspace,
    projects_readable_by,
    public_partnership,
    public_questions,
)
from steward.portal.models import Comment, ResearchUse
from steward.portal.selectors import comments_to_moderate, public_research_uses
from steward.portal.services import comment_moderate, research_use_record

router = Router(tags=["agenda"])


def _require(request, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _person(email: str, field: str) -> User:
    person = User.objects.filter(email__iexact=email, is_active=True).first()
    if person is None:
        raise ValidationError(f"{field}: no active person with the address {email}.")
    return person


# Schemas ------------------------------------------------------------------------------------


class QuestionIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(min_length=1)
    policy_area: str = Field(min_length=1, max_length=120)
    priority: AgendaQuestion.Priority
    source: AgendaQuestion.Source


class QuestionPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, min_length=1)
    policy_area: str | None = Field(None, min_length=1, max_length=120)
    priority: AgendaQuestion.Priority | None = None
    source: AgendaQuestion.Source | None = None


class QuestionStatusIn(Schema):
    status: AgendaQuestion.Status


class QuestionOut(Schema):
    id: int
    title: str
    description: str
    policy_area: str
    priority: int
    source: str
    status: str
    projects: list[int]

    @staticmethod
    def resolve_projects(question) -> list[int]:
        found = getattr(question, "public_projects", None)
        if found is None:
            found = question.projects.filter(status__in=Project.PUBLIC_STATUSES)
        return [project.pk for project in found]


class PartyIn(Schema):
    organization: str = Field(description="The organization's code, e.g. lsu-cep.")
    role: str = Field(min_length=1, max_length=200)


class PartyOut(Schema):
    organization: str
    organization_name: str
    role: str

    @staticmethod
    def resolve_organization(party) -> str:
        return party.organization.code

    @staticmethod
    def resolve_organization_name(party) -> str:
        return party.organization.name


class PartnershipIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    kind: Partnership.Kind
    summary: str = Field(min_length=1)
    proposes_questions: str = Field(min_length=1)
    decides_publication: str = Field(min_length=1)
    interprets_findings: str = Field(min_length=1)
    disseminates: str = Field(min_length=1)
    independence: str = Field(min_length=1)
    review_period_days: int = Field(30, ge=0, le=365)
    starts_on: date
    ends_on: date | None = None
    parties: list[PartyIn] = []


class PartnershipOut(Schema):
    id: int
    name: str
    kind: str
    summary: str
    proposes_questions: str
    decides_publication: str
    interprets_findings: str
    disseminates: str
    independence: str
    review_period_days: int
    starts_on: date
    ends_on: date | None
    parties: list[PartyOut]


class ProjectIn(Schema):
    partnership: int
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1)
    pi: str = Field(description="The principal investigator's email address.")
    liaison: str = Field(description="The agency liaison's email address.")
    starts_on: date
    ends_on: date | None = None
    questions: list[int] = []
    team: list[str] = Field([], description="Team members' email addresses.")


class ProjectPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    summary: str | None = Field(None, min_length=1)
    starts_on: date | None = None
    ends_on: date | None = None
    liaison: str | None = None
    questions: list[int] | None = None
    team: list[str] | None = None


class ProjectStatusIn(Schema):
    status: Project.Status


class ProjectOut(Schema):
    id: int
    partnership: int
    title: str
    summary: str
    status: str
    pi: str
    starts_on: date
    ends_on: date | None
    created_at: datetime
    questions: list[int]

    @staticmethod
    def resolve_partnership(project) -> int:
        return project.partnership_id

    @staticmethod
    def resolve_pi(project) -> str:
        return project.pi.full_name

    @staticmethod
    def resolve_questions(project) -> list[int]:
        return [question.pk for question in project.questions.all()]


class MilestoneIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    due_on: date
    owner: str | None = Field(None, description="Email address; the PI when left out.")


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date
    owner: str
    completed_on: date | None

    @staticmethod
    def resolve_owner(milestone) -> str:
        return milestone.owner.email


class ActionIn(Schema):
    description: str = Field(min_length=1, max_length=500)
    owner: str
    due_on: date


class ActionOut(Schema):
    id: int
    description: str
    owner: str
    due_on: date
    done_on: date | None

    @staticmethod
    def resolve_owner(action) -> str:
        return action.owner.email


class MeetingIn(Schema):
    held_on: date
    attendees: list[str] = Field(min_length=1)
    notes: str = ""
    actions: list[ActionIn] = []


class MeetingOut(Schema):
    id: int
    held_on: date
    attendees: list[str]
    notes: str
    actions: list[ActionOut]

    @staticmethod
    def resolve_attendees(meeting) -> list[str]:
        return meeting.attendee_list

    @staticmethod
    def resolve_actions(meeting) -> list:
        return list(meeting.actions.all())


class InterimIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1)


class InterimOut(Schema):
    id: int
    title: str
    summary: str
    shared_at: datetime


class TimelineOut(Schema):
    milestones: list[MilestoneOut]
    meetings: list[MeetingOut]
    interim_findings: list[InterimOut]


class PlanIn(Schema):
    questions: str = Field(min_length=1)
    data: str = Field(min_length=1)
    methods: str = Field(min_length=1)
    outcomes: str = Field(min_length=1)
    change_note: str = ""


class PlanOut(Schema):
    version: int
    questions: str
    data: str
    methods: str
    outcomes: str
    change_note: str
    registered_at: datetime


class ResearchUseIn(Schema):
    kind: ResearchUse.Kind
    description: str = Field(min_length=1)
    used_by: str = Field(min_length=1, max_length=200)
    used_on: date
    source: str = Field(min_length=1, max_length=500)
    source_url: str = ""
    project: int | None = None


class ResearchUseOut(Schema):
    id: int
    kind: str
    description: str
    used_by: str
    used_on: date
    source: str
    source_url: str
    project: int | None

    @staticmethod
    def resolve_project(use) -> int | None:
        return use.project_id


class CommentOut(Schema):
    id: int
    project: int
    author_name: str
    body: str
    status: str
    submitted_at: datetime

    @staticmethod
    def resolve_project(comment) -> int:
        return comment.project_id


class ModerateIn(Schema):
    status: Comment.Status


# The agenda ---------------------------------------------------------------------------------


@router.get("/agenda", response=list[QuestionOut])
def agenda_list(request):
    return list(public_questions())


@router.post("/agenda", response={201: QuestionOut})
def agenda_create(request, payload: QuestionIn):
    _require(request, "agenda.manage_agenda")
    question = services.question_create(actor=request.auth, **payload.dict())
    return Status(201, question)


@router.patch("/agenda/{question_id}", response=QuestionOut)
def agenda_update(request, question_id: int, payload: QuestionPatch):
    _require(request, "agenda.manage_agenda")
    question = get_object_or_404(AgendaQuestion, pk=question_id)
    changes = payload.dict(exclude_unset=True)
    services.question_update(actor=request.auth, question=question, changes=changes)
    return question


@router.post("/agenda/{question_id}/status", response=QuestionOut)
def agenda_status(request, question_id: int, payload: QuestionStatusIn):
    _require(request, "agenda.manage_agenda")
    question = get_object_or_404(AgendaQuestion, pk=question_id)
    services.question_set_status(actor=request.auth, question=question, status=payload.status)
    return question


# Partnerships -------------------------------------------------------------------------------


def _partnership(partnership_id: int) -> Partnership:
    try:
        return public_partnership(partnership_id)
    except Partnership.DoesNotExist:
        raise Http404 from None


@router.get("/partnerships", response=list[PartnershipOut])
def partnerships_list(request):
    return list(Partnership.objects.prefetch_related("parties__organization"))


@router.get("/partnerships/{partnership_id}", response=PartnershipOut)
def partnerships_detail(request, partnership_id: int):
    return _partnership(partnership_id)


@router.post("/partnerships", response={201: PartnershipOut})
def partnerships_create(request, payload: PartnershipIn):
    _require(request, "agenda.manage_partnerships")
    data = payload.dict()
    parties = []
    for party in data.pop("parties"):
        organization = Organization.objects.filter(code=party["organization"]).first()
        if organization is None:
            raise ValidationError(f"parties: no organization with code {party['organization']}.")
        parties.append((organization, party["role"]))
    partnership = services.partnership_create(actor=request.auth, parties=parties, **data)
    return Status(201, _partnership(partnership.pk))


# Projects -----------------------------------------------------------------------------------


def _readable_project(request, project_id: int) -> Project:
    return get_object_or_404(projects_readable_by(request.auth), pk=project_id)


def _workspace_project(request, project_id: int) -> Project:
    try:
        return project_workspace(request.auth, project_id)
    except Project.DoesNotExist:
        if projects_readable_by(request.auth).filter(pk=project_id).exists():
            raise PermissionDenied from None
        raise Http404 from None


@router.get("/projects", response=list[ProjectOut])
@paginate
def projects_list(request):
    return projects_readable_by(request.auth)


@router.get("/projects/{project_id}", response=ProjectOut)
def projects_detail(request, project_id: int):
    return _readable_project(request, project_id)


@router.post("/projects", response={201: ProjectOut})
def projects_create(request, payload: ProjectIn):
    _require(request, "agenda.create_project")
    data = payload.dict()
    partnership = get_object_or_404(Partnership, pk=data.pop("partnership"))
    project = services.project_create(
        actor=request.auth,
        partnership=partnership,
        pi=_person(data.pop("pi"), "pi"),
        liaison=_person(data.pop("liaison"), "liaison"),
        questions=list(AgendaQuestion.objects.filter(pk__in=data.pop("questions"))),
        team=[_person(email, "team") for email in data.pop("team")],
        **data,
    )
    return Status(201, project)


@router.patch("/projects/{project_id}", response=ProjectOut)
def projects_update(request, project_id: int, payload: ProjectPatch):
    project = _workspace_project(request, project_id)
    _require(request, "agenda.edit_project", project)
    changes = payload.dict(exclude_unset=True)
    questions = changes.pop("questions", None)
    team = changes.pop("team", None)
    if "liaison" in changes:
        changes["liaison"] = _person(changes["liaison"], "liaison")
    services.project_update(
        actor=request.auth,
        project=project,
        changes=changes,
        questions=list(AgendaQuestion.objects.filter(pk__in=questions))
        if questions is not None
        else None,
        team=[_person(email, "team") for email in team] if team is not None else None,
    )
    return project


@router.post("/projects/{project_id}/status", response=ProjectOut)
def projects_status(request, project_id: int, payload: ProjectStatusIn):
    project = _workspace_project(request, project_id)
    _require(request, "agenda.edit_project", project)
    services.project_set_status(actor=request.auth, project=project, status=payload.status)
    return project


@router.get("/projects/{project_id}/timeline", response=TimelineOut)
def projects_timeline(request, project_id: int):
    project = _workspace_project(request, project_id)
    return {
        "milestones": list(project.milestones.all()),
        "meetings": list(project.meetings.all()),
        "interim_findings": list(project.interim_findings.all()),
    }


@router.post("/projects/{project_id}/milestones", response={201: MilestoneOut})
def milestones_create(request, project_id: int, payload: MilestoneIn):
    project = _workspace_project(request, project_id)
    _require(request, "agenda.edit_project", project)
    owner = _person(payload.owner, "owner") if payload.owner else None
    milestone = services.milestone_add(
        actor=request.auth, project=project, title=payload.title, due_on=payload.due_on, owner=owner
    )
    return Status(201, milestone)


@router.post("/milestones/{milestone_id}/complete", response=MilestoneOut)
def milestones_complete(request, milestone_id: int):
    milestone = get_object_or_404(Milestone.objects.select_related("owner"), pk=milestone_id)
    milestone.project = _workspace_project(request, milestone.project_id)
    _require(request, "agenda.edit_project", milestone.project)
    services.milestone_complete(actor=request.auth, milestone=milestone)
    return milestone


@router.post("/projects/{project_id}/meetings", response={201: MeetingOut})
def meetings_create(request, project_id: int, payload: MeetingIn):
    project = _workspace_project(request, project_id)
    _require(request, "agenda.edit_project", project)
    actions = [
        services.ActionSpec(spec.description, _person(spec.owner, "owner"), spec.due_on)
        for spec in payload.actions
    ]
    meeting = services.meeting_record(
        actor=request.auth,
        project=project,
        held_on=payload.held_on,
        attendees="\n".join(payload.attendees),
        notes=payload.notes,
        actions=actions,
    )
    return Status(201, meeting)


@router.post("/actions/{action_id}/complete", response=ActionOut)
def actions_complete(request, action_id: int):
    action = get_object_or_404(Action.objects.select_related("owner", "meeting"), pk=action_id)
    action.meeting.project = _workspace_project(request, action.meeting.project_id)
    _require(request, "agenda.edit_project", action.meeting.project)
    services.action_complete(actor=request.auth, action=action)
    return action


@router.post("/projects/{project_id}/interim-findings", response={201: InterimOut})
def interim_create(request, project_id: int, payload: InterimIn):
    project = _workspace_project(request, project_id)
    _require(request, "agenda.edit_project", project)
    finding = services.interim_finding_share(actor=request.auth, project=project, **payload.dict())
    return Status(201, finding)


# Pre-analysis plans -------------------------------------------------------------------------


@router.get("/projects/{project_id}/plans", response=list[PlanOut])
def plans_list(request, project_id: int):
    project = _readable_project(request, project_id)
    return list(project.plans.order_by("-version"))


@router.post("/projects/{project_id}/plans", response={201: PlanOut})
def plans_register(request, project_id: int, payload: PlanIn):
    project = _workspace_project(request, project_id)
    _require(request, "agenda.register_plan", project)
    plan = services.plan_register(actor=request.auth, project=project, **payload.dict())
    return Status(201, plan)


@router.put("/projects/{project_id}/plans/{version}", response={409: dict})
def plans_edit(request, project_id: int, version: int, payload: PlanIn):
    """Always refused: a registered plan never changes. POST a new version instead."""
    project = _workspace_project(request, project_id)
    _require(request, "agenda.register_plan", project)
    get_object_or_404(PreAnalysisPlan, project=project, version=version)
    raise HttpError(
        409,
        f"Version {version} is registered and cannot be edited. "
        f"POST /api/projects/{project_id}/plans registers the change as a new version.",
    )


# Research use and comments ------------------------------------------------------------------


@router.get("/research-uses", response=list[ResearchUseOut])
@paginate
def research_uses_list(request):
    return public_research_uses()


@router.post("/research-uses", response={201: ResearchUseOut})
def research_uses_create(request, payload: ResearchUseIn):
    _require(request, "portal.record_research_use")
    data = payload.dict()
    project_id = data.pop("project")
    project = None
    if project_id is not None:
        project = get_object_or_404(Project, pk=project_id, status__in=Project.PUBLIC_STATUSES)
    use = research_use_record(actor=request.auth, project=project, **data)
    return Status(201, use)


@router.get("/comments", response=list[CommentOut])
@paginate
def comments_list(request, status: Comment.Status = Comment.Status.PENDING):
    _require(request, "portal.moderate_comments")
    return comments_to_moderate(request.auth, status=status)


@router.post("/comments/{comment_id}/moderate", response=CommentOut)
def comments_moderate(request, comment_id: int, payload: ModerateIn):
    _require(request, "portal.moderate_comments")
    comment = get_object_or_404(Comment, pk=comment_id)
    comment_moderate(actor=request.auth, comment=comment, status=payload.status)
    return comment
