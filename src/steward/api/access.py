"""API routes of data requests and their review. Every write calls the same service as the pages.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from steward.access import selectors, services
from steward.access.models import DataRequest, RequestedElement
from steward.agenda.models import AgendaQuestion, Project
from steward.catalog.models import Element

router = Router(tags=["requests"])


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _visible(request, request_id: int) -> DataRequest:
    return get_object_or_404(selectors.requests_visible_to(request.auth), pk=request_id)


def _conflicts(call):
    try:
        return call()
    except services.StaleRequest as error:
        raise HttpError(409, " ".join(error.messages)) from error


class RequestOut(Schema):
    id: int
    reference: str
    status: str
    version: int
    requester_type: str
    requesting_organization: str
    project_title: str
    updated_at: datetime


class ElementOut(Schema):
    id: int
    element: str
    agency: str
    first_year: int
    last_year: int
    grades: str
    cohorts: str
    schools_or_districts: str
    justification: str
    signoff: str
    signoff_reason: str
    granted: bool | None


class PersonOut(Schema):
    email: str
    full_name: str
    role: str


class RequestDetailOut(RequestOut):
    project_summary: str
    purpose: str
    research_questions: str
    agenda_alignment: str
    linkage_needed: bool
    linkage_description: str
    ferpa_exception: str
    irb_institution: str
    irb_protocol: str
    irb_status: str
    irb_project_title: str
    irb_approved_on: date | None
    irb_expires_on: date | None
    irb_letter: bool
    security_plan: str
    security_environment: str
    publication_plan: str
    starts_on: date | None
    ends_on: date | None
    timeline: str
    elements: list[ElementOut]
    personnel: list[PersonOut]
    problems: list[str]
    project_id: int | None
    agenda_question_ids: list[int]


class RequestIn(Schema):
    project_id: int | None = None
    agenda_question_ids: list[int] | None = None
    requester_type: str | None = None
    requesting_organization: str | None = None
    project_title: str | None = None
    project_summary: str | None = None
    purpose: str | None = None
    research_questions: str | None = None
    agenda_alignment: str | None = None
    linkage_needed: bool | None = None
    linkage_description: str | None = None
    ferpa_exception: str | None = None
    irb_institution: str | None = None
    irb_protocol: str | None = None
    irb_status: str | None = None
    irb_project_title: str | None = None
    irb_approved_on: date | None = None
    irb_expires_on: date | None = None
    security_plan: str | None = None
    security_environment: str | None = None
    publication_plan: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    timeline: str | None = None


class ElementIn(Schema):
    agency: str
    dataset: str
    element: str
    first_year: int
    last_year: int
    grades: str = ""
    cohorts: str = ""
    schools_or_districts: str = ""
    justification: str = ""


class PersonIn(Schema):
    email: str
    role: str


class ScreeningIn(Schema):
    action: str
    checklist: dict[str, bool] = {}
    comments: str = ""


class SignoffDecisionIn(Schema):
    element_id: int
    approve: bool
    reason: str = ""


class SignoffIn(Schema):
    decisions: list[SignoffDecisionIn]
    note: str = ""


class ConflictIn(Schema):
    has_conflict: bool
    description: str = ""


class ReviewIn(Schema):
    scores: dict[str, int]
    vote: str
    rationale: str


class DecisionIn(Schema):
    outcome: str
    rationale: str
    conditions: str = ""
    reason_categories: list[str] = []
    granted_element_ids: list[int] = []


class DecisionOut(Schema):
    outcome: str
    version: int
    rationale: str
    conditions: str
    reason_categories: list[str]
    decided_at: datetime


class WaitingOut(Schema):
    request: RequestOut
    what: str


def _element_out(item: RequestedElement) -> dict:
    return {
        "id": item.pk,
        "element": str(item.element),
        "agency": item.agency.code,
        "first_year": item.first_year,
        "last_year": item.last_year,
        "grades": item.grades,
        "cohorts": item.cohorts,
        "schools_or_districts": item.schools_or_districts,
        "justification": item.justification,
        "signoff": item.signoff,
        "signoff_reason": item.signoff_reason,
        "granted": item.granted,
    }


def _detail(data_request: DataRequest) -> dict:
    out = {name: getattr(data_request, name) for name in services.EDITABLE_FIELDS}
    out.update(
        id=data_request.pk,
        reference=data_request.reference,
        status=data_request.status,
        version=data_request.version,
        updated_at=data_request.updated_at,
        irb_letter=bool(data_request.irb_letter),
        elements=[
            _element_out(item)
            for item in data_request.elements.select_related("element__dataset", "agency")
        ],
        personnel=[
            {"email": p.user.email, "full_name": p.user.full_name, "role": p.role}
            for p in data_request.personnel.select_related("user")
        ],
        problems=services.request_problems(data_request) if data_request.editable else [],
        project_id=data_request.project_id,
        agenda_question_ids=list(data_request.agenda_questions.values_list("pk", flat=True)),
    )
    return out


def _fields(payload: RequestIn) -> dict:
    links = {"project_id", "agenda_question_ids"}
    return {k: v for k, v in payload.dict().items() if v is not None and k not in links}


def _save(request, data_request: DataRequest, payload: RequestIn) -> None:
    """Apply the payload: fields, the project (one the person works on) and agenda questions."""
    fields = _fields(payload)
    if payload.project_id is not None:
        project = (
            Project.objects.filter(Q(pi=request.auth) | Q(team=request.auth))
            .filter(pk=payload.project_id)
            .first()
        )
        if project is None:
            raise HttpError(400, "No project of yours has that id.")
        fields["project"] = project
    questions = None
    if payload.agenda_question_ids is not None:
        questions = list(AgendaQuestion.objects.filter(pk__in=payload.agenda_question_ids))
        if len(questions) != len(set(payload.agenda_question_ids)):
            raise HttpError(400, "The agenda has no question with one of those ids.")
    if fields or questions is not None:
        services.request_update(
            actor=request.auth,
            data_request=data_request,
            fields=fields,
            agenda_questions=questions,
        )


@router.get("", response=list[RequestOut])
@paginate
def requests_list(request):
    _require(request, "access.view_requests")
    return selectors.requests_visible_to(request.auth).order_by("-updated_at")


@router.get("/waiting", response=list[WaitingOut])
def requests_waiting(request):
    _require(request, "access.view_requests")
    return [
        {"request": item.request, "what": item.what}
        for item in selectors.requests_waiting_for(request.auth)
    ]


@router.post("", response={201: RequestDetailOut})
def requests_create(request, payload: RequestIn):
    _require(request, "access.create_request")
    title = payload.project_title or ""
    data_request = services.request_create(actor=request.auth, project_title=title)
    payload.project_title = None  # already given to the draft
    _save(request, data_request, payload)
    return Status(201, _detail(data_request))


@router.get("/{request_id}", response=RequestDetailOut)
def requests_detail(request, request_id: int):
    _require(request, "access.view_requests")
    return _detail(_visible(request, request_id))


@router.patch("/{request_id}", response=RequestDetailOut)
def requests_update(request, request_id: int, payload: RequestIn):
    _require(request, "access.create_request")
    data_request = _visible(request, request_id)
    _save(request, data_request, payload)
    return _detail(data_request)


@router.post("/{request_id}/elements", response={201: ElementOut})
def requests_element_add(request, request_id: int, payload: ElementIn):
    _require(request, "access.create_request")
    data_request = _visible(request, request_id)
    element = (
        Element.objects.filter(
            dataset__agency_code=payload.agency,
            dataset__code=payload.dataset,
            name=payload.element,
            active=True,
        )
        .select_related("dataset__agency")
        .first()
    )
    if element is None:
        raise HttpError(400, "The catalog has no such element.")
    data = payload.dict(exclude={"agency", "dataset", "element"})
    item = services.request_element_add(
        actor=request.auth, data_request=data_request, element=element, **data
    )
    return Status(201, _element_out(item))


@router.post("/{request_id}/personnel", response={201: PersonOut})
def requests_person_add(request, request_id: int, payload: PersonIn):
    _require(request, "access.create_request")
    data_request = _visible(request, request_id)
    person = services.request_person_add(
        actor=request.auth, data_request=data_request, email=payload.email, role=payload.role
    )
    return Status(
        201, {"email": person.user.email, "full_name": person.user.full_name, "role": person.role}
    )


@router.post("/{request_id}/submit", response=RequestDetailOut)
def requests_submit(request, request_id: int):
    _require(request, "access.create_request")
    data_request = _visible(request, request_id)
    _conflicts(lambda: services.request_submit(actor=request.auth, data_request=data_request))
    return _detail(data_request)


@router.post("/{request_id}/screening", response=RequestOut)
def requests_screen(request, request_id: int, payload: ScreeningIn):
    _require(request, "access.screen")
    data_request = _visible(request, request_id)
    if payload.action == "start":
        call = lambda: services.request_screening_start(  # noqa: E731
            actor=request.auth, data_request=data_request
        )
    elif payload.action in ("pass", "return"):
        call = lambda: services.request_screen(  # noqa: E731
            actor=request.auth,
            data_request=data_request,
            checklist=payload.checklist,
            passed=payload.action == "pass",
            comments=payload.comments,
        )
    else:
        raise HttpError(400, "action must be start, pass or return.")
    _conflicts(call)
    return data_request


@router.post("/{request_id}/signoff", response=RequestOut)
def requests_signoff(request, request_id: int, payload: SignoffIn):
    _require(request, "access.signoff")
    data_request = _visible(request, request_id)
    decisions = {d.element_id: (d.approve, d.reason) for d in payload.decisions}
    _conflicts(
        lambda: services.signoff_record(
            actor=request.auth, data_request=data_request, decisions=decisions, note=payload.note
        )
    )
    data_request.refresh_from_db()
    return data_request


@router.post("/{request_id}/conflict", response={201: None})
def requests_conflict(request, request_id: int, payload: ConflictIn):
    _require(request, "access.review")
    data_request = _visible(request, request_id)
    services.conflict_declare(
        actor=request.auth,
        data_request=data_request,
        has_conflict=payload.has_conflict,
        description=payload.description,
    )
    return Status(201, None)


@router.post("/{request_id}/reviews", response={201: None})
def requests_review(request, request_id: int, payload: ReviewIn):
    _require(request, "access.review")
    data_request = _visible(request, request_id)
    services.review_record(
        actor=request.auth,
        data_request=data_request,
        scores=payload.scores,
        vote=payload.vote,
        rationale=payload.rationale,
    )
    return Status(201, None)


@router.post("/{request_id}/decision", response={201: DecisionOut})
def requests_decide(request, request_id: int, payload: DecisionIn):
    _require(request, "access.decide")
    data_request = _visible(request, request_id)
    decision = _conflicts(
        lambda: services.decision_record(
            actor=request.auth,
            data_request=data_request,
            outcome=payload.outcome,
            rationale=payload.rationale,
            conditions=payload.conditions,
            reason_categories=payload.reason_categories,
            granted_ids=payload.granted_element_ids,
        )
    )
    return Status(201, decision)
