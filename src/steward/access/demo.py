"""Lakeland's data requests for the demo (STORY.md), one in every state, made through the same
services people use; the tests build their requests with the same helpers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from steward.access import services
from steward.access.models import (
    CRITERIA,
    CommitteeMember,
    DataRequest,
    Perspective,
    RequestedElement,
    StatusChange,
    TrainingCompletion,
    Vote,
)
from steward.accounts.models import User
from steward.accounts.roles import Role
from steward.accounts.services import role_grant, user_create
from steward.catalog.models import Element
from steward.core.audit import audit_record
from steward.core.personas import PERSONAS_BY_KEY

ORTIZ_TITLE = "Chronic absence in middle school and college enrollment"
VENDOR_TITLE = "Student engagement scores for a learning app"
VENDOR_EMAIL = "jordan.reyes@brightpath.example"

COMMITTEE = {
    "grace": (Perspective.POLICY, True),
    "samuel": (Perspective.LEGAL, False),
    "hannah": (Perspective.DISTRICT, False),
    "omar": (Perspective.RESEARCH, False),
}

# (agency, dataset, element, first year, last year, justification)
ORTIZ_ELEMENTS = [
    ("sea", "attendance", "days_enrolled", 2016, 2021, "Denominator of the absence rate."),
    ("sea", "attendance", "days_absent", 2016, 2021, "Chronic absence (10% or more of days)."),
    ("sea", "enrollment", "grade", 2016, 2021, "Places each student in grades 6-8."),
    ("sea", "enrollment", "economically_disadvantaged", 2016, 2021, "Main covariate."),
    ("sea", "enrollment", "english_learner", 2016, 2021, "Subgroup named in the question."),
    ("pse", "enrollment", "sector", 2019, 2024, "Outcome: two-year or four-year college."),
    ("pse", "enrollment", "credits_earned", 2019, 2024, "Outcome: persistence."),
    ("pse", "enrollment", "birth_date", 2019, 2024, "To check the linkage."),
]
AGENCY_CODES = {"sea": "sea", "pse": "postsecondary", "wf": "workforce"}


def _persona(key: str) -> User:
    return User.objects.get(email=PERSONAS_BY_KEY[key].email)


def irb_letter() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "irb-letter.pdf", b"%PDF-1.4\n% demo IRB letter\n", content_type="application/pdf"
    )


def element(agency: str, dataset: str, name: str) -> Element:
    return Element.objects.select_related("dataset__agency").get(
        dataset__agency_code=AGENCY_CODES.get(agency, agency), dataset__code=dataset, name=name
    )


def complete_request(
    *,
    actor: User,
    title: str,
    elements: list[tuple[str, str, str, int, int, str]] | None = None,
    people: list[tuple[User, str]] | None = None,
    **fields: Any,
) -> DataRequest:
    """A draft with every item filled in, ready to submit."""
    today = timezone.localdate()
    values: dict[str, Any] = {
        "project_summary": "Which students who are chronically absent in middle school still "
        "enroll in college, and what distinguishes them.",
        "purpose": "Answer a high-priority question of the state's research agenda.",
        "research_questions": "How many chronically absent middle schoolers enroll in college?",
        "agenda_alignment": "The Board's question on chronic absence and college enrollment.",
        "linkage_needed": True,
        "linkage_description": "College enrollment is held by another agency.",
        "ferpa_exception": DataRequest.FerpaException.STUDIES,
        "irb_institution": "Lakeland State University",
        "irb_protocol": "LSU-2026-0142",
        "irb_status": DataRequest.IrbStatus.APPROVED,
        "irb_project_title": title,
        "irb_approved_on": today - timedelta(days=30),
        "irb_expires_on": today + timedelta(days=335),
        "security_plan": DataRequest.SecurityPlan.WORKSPACE,
        "publication_plan": "A public report and a plain-language brief, after the agency's "
        "30-day review.",
        "starts_on": today + timedelta(days=30),
        "ends_on": today + timedelta(days=760),
        "timeline": "Data in month 2; analysis months 3-12; report month 18.",
    }
    values.update(fields)
    data_request = services.request_create(actor=actor, project_title=title)
    services.request_update(
        actor=actor, data_request=data_request, fields=values, irb_letter=irb_letter()
    )
    for agency, dataset, name, first, last, why in elements or ORTIZ_ELEMENTS:
        services.request_element_add(
            actor=actor,
            data_request=data_request,
            element=element(agency, dataset, name),
            first_year=first,
            last_year=last,
            grades="6-8",
            cohorts="2016-2019",
            justification=why,
        )
    for person, role in people or []:
        services.request_person_add(
            actor=actor, data_request=data_request, email=person.email, role=role
        )
    data_request.refresh_from_db()
    return data_request


def training_seed(user: User, *, completed_at=None) -> TrainingCompletion:
    completed_at = completed_at or timezone.now()
    with transaction.atomic():
        completion = TrainingCompletion.objects.create(
            user=user,
            module_version="2026.1",
            completed_at=completed_at,
            expires_at=TrainingCompletion.expiry_for(completed_at),
            quiz_score=4,
            quiz_total=4,
            attested=True,
        )
        audit_record(
            actor=user,
            action="training.completed",
            target=completion,
            summary={"module": "2026.1", "seeded": True},
        )
    return completion


def committee_seed() -> None:
    for key, (perspective, office) in COMMITTEE.items():
        user = _persona(key)
        if not CommitteeMember.objects.filter(user=user).exists():
            services.committee_member_set(
                actor=None, user=user, perspective=perspective, in_research_office=office
            )


def to_signoff(data_request: DataRequest, *, author: User) -> DataRequest:
    maya = _persona("maya")
    services.request_submit(actor=author, data_request=data_request)
    services.request_screening_start(actor=maya, data_request=data_request)
    services.request_screen(
        actor=maya,
        data_request=data_request,
        passed=True,
        checklist=dict.fromkeys([key for key, _ in services.SCREENING_CHECKLIST], True),
    )
    return data_request


def sign_all(data_request: DataRequest, *, decline: dict[str, str] | None = None) -> None:
    """Each agency's steward signs off; `decline` maps element names to reasons."""
    decline = decline or {}
    for key in ("daniel", "rosa", "victor"):
        steward = _persona(key)
        items = data_request.elements.filter(agency_id=steward.steward_agency_id)
        if not items.exists():
            continue
        decisions = {
            item.pk: (item.element.name not in decline, decline.get(item.element.name, ""))
            for item in items.select_related("element")
        }
        data_request.refresh_from_db()
        services.signoff_record(actor=steward, data_request=data_request, decisions=decisions)
    data_request.refresh_from_db()


def vote(data_request: DataRequest, keys: list[str], choice: str) -> None:
    for key in keys:
        member = _persona(key)
        if not data_request.conflicts.filter(member=member).exists():
            services.conflict_declare(actor=member, data_request=data_request, has_conflict=False)
        services.review_record(
            actor=member,
            data_request=data_request,
            scores={criterion: 4 for criterion, _ in CRITERIA},
            vote=choice,
            rationale=f"{Vote(choice).label}: weighed against the criteria.",
        )


def _backdate(data_request: DataRequest, days_ago: int, days_to_decision: int | None) -> None:
    """Spread the demo's history over past weeks so that the clock and medians say something."""
    start = timezone.now() - timedelta(days=days_ago)
    changes = list(data_request.changes.order_by("at", "pk"))
    step = timedelta(days=(days_to_decision or days_ago // 2) / max(len(changes), 1))
    for index, change in enumerate(changes):
        StatusChange.objects.filter(pk=change.pk).update(at=start + step * (index + 1))
    updates: dict[str, Any] = {"created_at": start - timedelta(days=5), "first_submitted_at": start}
    if data_request.decided_at:
        updates["decided_at"] = start + step * len(changes)
    DataRequest.objects.filter(pk=data_request.pk).update(**updates)


def _vendor() -> User:
    user = User.objects.filter(email=VENDOR_EMAIL).first()
    if user is None:
        with transaction.atomic():
            user = user_create(
                actor=None,
                email=VENDOR_EMAIL,
                full_name="Jordan Reyes",
                password=None,
                organization=None,
                title="Product analyst",
            )
            role_grant(actor=None, user=user, role=Role.RESEARCHER)
    return user


def requests_seed() -> list[DataRequest]:
    """One request in every state; does nothing when the demo's requests exist already."""
    if DataRequest.objects.filter(project_title=ORTIZ_TITLE).exists():
        return []
    committee_seed()
    ana, ben = _persona("ana"), _persona("ben")
    if not TrainingCompletion.objects.filter(user=ana).exists():
        training_seed(ana)
    if not TrainingCompletion.objects.filter(user=ben).exists():
        # Ben's training expires next month (STORY.md): a reminder shows.
        training_seed(ben, completed_at=timezone.now() - timedelta(days=340))
    team = [(ben, "co_investigator")]
    made = []

    ortiz = complete_request(actor=ana, title=ORTIZ_TITLE, people=team)
    to_signoff(ortiz, author=ana)
    sign_all(
        ortiz,
        decline={
            "birth_date": "Date of birth is used only by the Commission's own "
            "linkage; it is not released."
        },
    )
    vote(ortiz, ["samuel", "hannah", "omar"], Vote.APPROVE)
    granted = list(
        ortiz.elements.filter(signoff=RequestedElement.Signoff.APPROVED).values_list(
            "pk", flat=True
        )
    )
    services.decision_record(
        actor=_persona("grace"),
        data_request=ortiz,
        outcome="approved",
        rationale="Aligned with a high-priority agenda question; minimum necessary after sign-off.",
        conditions="Results by district only where every cell has 10 students or more.",
        granted_ids=granted,
    )
    _backdate(ortiz, 75, 48)
    made.append(ortiz)

    vendor = _vendor()
    sales = complete_request(
        actor=vendor,
        title=VENDOR_TITLE,
        requester_type=DataRequest.RequesterType.VENDOR,
        requesting_organization="Brightpath Learning Analytics, Inc.",
        irb_institution="Independent Review Services",
        irb_protocol="IRS-7781",
        purpose="Calibrate a commercial engagement score.",
        linkage_needed=False,
        linkage_description="",
        elements=[
            ("sea", "enrollment", "homeless", 2019, 2023, "Engagement risk factor."),
            ("sea", "attendance", "days_absent", 2019, 2023, "Engagement signal."),
        ],
    )
    to_signoff(sales, author=vendor)
    sign_all(sales)
    vote(sales, ["samuel", "hannah", "omar"], Vote.DENY)
    services.decision_record(
        actor=_persona("grace"),
        data_request=sales,
        outcome="denied",
        rationale="A commercial purpose; more sensitive data than any study needs.",
        reason_categories=["commercial", "minimum_necessary"],
    )
    _backdate(sales, 120, 40)
    made.append(sales)

    made += _requests_in_progress(ana, ben, team)
    return made


def _requests_in_progress(ana: User, ben: User, team) -> list[DataRequest]:
    maya = _persona("maya")
    made = []
    draft = services.request_create(actor=ben, project_title="Dual enrollment and persistence")
    made.append(draft)

    short = [("sea", "attendance", "days_absent", 2018, 2022, "Chronic absence.")]
    single = {"elements": short, "linkage_needed": False, "linkage_description": ""}
    submitted = complete_request(actor=ana, title="Attendance after school transitions", **single)
    services.request_submit(actor=ana, data_request=submitted)
    made.append(submitted)

    screening = complete_request(actor=ana, title="Absence and ninth-grade credits", **single)
    services.request_submit(actor=ana, data_request=screening)
    services.request_screening_start(actor=maya, data_request=screening)
    made.append(screening)

    returned = complete_request(actor=ana, title="Attendance nudges pilot", **single)
    services.request_submit(actor=ana, data_request=returned)
    services.request_screening_start(actor=maya, data_request=returned)
    services.request_screen(
        actor=maya,
        data_request=returned,
        passed=False,
        checklist={},
        comments="Say which schools the pilot ran in, and narrow the years to the pilot's.",
    )
    made.append(returned)

    signoff = complete_request(
        actor=ana, title="Chronic absence and college: extension", people=team
    )
    to_signoff(signoff, author=ana)
    made.append(signoff)

    committee = complete_request(
        actor=ana, title="Absence, programs and college choice", people=team
    )
    to_signoff(committee, author=ana)
    sign_all(committee)
    vote(committee, ["omar"], Vote.APPROVE)
    made.append(committee)

    revisions = complete_request(
        actor=ana, title="Middle school absence and dual enrollment", people=team
    )
    to_signoff(revisions, author=ana)
    sign_all(revisions)
    vote(revisions, ["samuel", "hannah", "omar"], Vote.REVISE)
    services.decision_record(
        actor=_persona("grace"),
        data_request=revisions,
        outcome="revisions",
        rationale="Narrow the college elements to the outcomes the questions need.",
    )
    made.append(revisions)
    return made
