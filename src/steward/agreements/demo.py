"""Lakeland's agreements for the demo (STORY.md), one in every state, made through the same
services people use, with time passed as a parameter where the story lies in the past.

Dr. Ortiz's approved request becomes an active agreement, signed by Grace Liu for the
Department and by Dr. Ortiz for her center, accepted by Dr. Ortiz and Ben (whose training
expires next month). Around it: an approved request still waiting for its agreement, a draft,
one out for signature, one expiring with an extension proposed, one expired whose destruction
certificate is overdue (escalated to the privacy officer), and one closed with its certificate.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from steward.access import demo as access_demo
from steward.access import services as access_services
from steward.access.models import DataRequest, RequestedElement, Vote
from steward.access.models import Status as RequestStatus
from steward.accounts.models import User
from steward.agenda import services as agenda_services
from steward.agenda.models import Partnership, Project
from steward.agreements import services
from steward.agreements.checklist import FERPA_CHECKLIST
from steward.agreements.models import Agreement, AgreementVersion
from steward.core.personas import PERSONAS_BY_KEY

WAITING_TITLE = "Absence and college enrollment in rural districts"
SHORT = [
    ("sea", "attendance", "days_enrolled", 2016, 2021, "Denominator of the absence rate."),
    ("sea", "attendance", "days_absent", 2016, 2021, "Chronic absence."),
    ("pse", "enrollment", "sector", 2019, 2024, "Outcome: two-year or four-year college."),
]
# title, elements, agreement state
STATES = [
    ("Attendance and dual-credit course taking", SHORT, "draft"),
    ("Chronic absence and college persistence", SHORT, "signature"),
    ("Attendance and high school completion, 2014-2018", SHORT[:2], "expired"),
    ("Middle school attendance and course failure", SHORT[:2], "closed"),
    # Last: the past runs of the daily job above must not see it.
    ("Absence in the early grades and later reading", SHORT[:2], "expiring"),
]


def _persona(key: str) -> User:
    return User.objects.get(email=PERSONAS_BY_KEY[key].email)


def ferpa_all() -> dict[str, bool]:
    return dict.fromkeys([key for key, _ in FERPA_CHECKLIST], True)


def approved_request(
    *, title: str, elements: list | None = None, ana: User, ben: User
) -> DataRequest:
    """A request walked to approval (screening, sign-off, three votes, the chair's decision)."""
    elements = elements or SHORT
    one_agency = len({agency for agency, *_ in elements}) == 1
    data_request = access_demo.complete_request(
        actor=ana,
        title=title,
        elements=elements,
        people=[(ben, "co_investigator")],
        **({"linkage_needed": False, "linkage_description": ""} if one_agency else {}),
    )
    access_demo.to_signoff(data_request, author=ana)
    access_demo.sign_all(data_request)
    access_demo.vote(data_request, ["samuel", "hannah", "omar"], Vote.APPROVE)
    granted = list(
        data_request.elements.filter(signoff=RequestedElement.Signoff.APPROVED).values_list(
            "pk", flat=True
        )
    )
    access_services.decision_record(
        actor=_persona("grace"),
        data_request=data_request,
        outcome="approved",
        rationale="Aligned with the research agenda; minimum necessary.",
        granted_ids=granted,
    )
    data_request.refresh_from_db()
    return data_request


def drafted(
    *,
    data_request: DataRequest,
    project: Project,
    at: datetime,
    starts_on: date,
    ends_on: date,
) -> Agreement:
    """Maya drafts the agreement, sets the term and completes the FERPA checklist."""
    maya = _persona("maya")
    agreement = services.agreement_draft(
        actor=maya,
        data_request=data_request,
        project=project,
        sea_signer=_persona("grace"),
        organization_signer=data_request.created_by,
        at=at,
    )
    services.agreement_update(
        actor=maya,
        agreement=agreement,
        fields={"starts_on": starts_on, "ends_on": ends_on},
        ferpa_checklist=ferpa_all(),
    )
    return agreement


def signed(agreement: Agreement, *, at: datetime, accept: list[User]) -> AgreementVersion:
    """Sent for signature, signed by Grace then the PI, accepted by the people given."""
    maya, grace = _persona("maya"), _persona("grace")
    version = services.agreement_send_for_signature(actor=maya, agreement=agreement, at=at)
    pi = version.organization_signer
    services.agreement_sign(
        actor=grace, version=version, typed_name=grace.full_name, attest=True, at=at
    )
    services.agreement_sign(
        actor=pi,
        version=version,
        typed_name=pi.full_name,
        attest=True,
        at=at + timedelta(hours=3),
    )
    for person in accept:
        services.agreement_accept(
            actor=person,
            version=version,
            typed_name=person.full_name,
            attest=True,
            at=at + timedelta(days=1),
        )
    version.refresh_from_db()
    return version


def _project(title: str, *, ana: User, ben: User, starts_on: date) -> Project:
    """A project of the alliance for each of the demo's other agreements."""
    found = Project.objects.filter(title=title).first()
    if found:
        return found
    from steward.agenda.demo import ALLIANCE

    maya = _persona("maya")
    return agenda_services.project_create(
        actor=maya,
        partnership=Partnership.objects.get(name=ALLIANCE),
        title=title,
        summary=f"A study of the research alliance: {title.lower()}.",
        pi=ana,
        liaison=maya,
        starts_on=starts_on,
        team=[ben],
    )


def _story_project() -> Project:
    from steward.agenda.demo import STORY_PROJECT, agenda_seed

    agenda_seed()  # idempotent: the alliance and Dr. Ortiz's project
    return Project.objects.get(title=STORY_PROJECT)


def agreements_seed() -> list[Agreement]:
    """Agreements in every state; does nothing when the demo's agreements exist already."""
    ortiz = DataRequest.objects.filter(
        project_title=access_demo.ORTIZ_TITLE, status=RequestStatus.APPROVED
    ).first()
    if ortiz is None or Agreement.objects.filter(data_request=ortiz).exists():
        return []
    ana, ben = _persona("ana"), _persona("ben")
    now = timezone.now()
    today = timezone.localdate(now)
    story = _story_project()

    active = drafted(
        data_request=ortiz,
        project=story,
        at=now - timedelta(days=20),
        starts_on=today - timedelta(days=14),
        ends_on=today + timedelta(days=730),
    )
    signed(active, at=now - timedelta(days=15), accept=[ana, ben])
    made = [active]

    approved_request(title=WAITING_TITLE, ana=ana, ben=ben)
    for title, elements, state in STATES:
        made.append(_in_state(title, elements, state, ana=ana, ben=ben, now=now))
    services.agreements_daily(at=now)
    return made


def _in_state(title, elements, state, *, ana, ben, now) -> Agreement:
    today = timezone.localdate(now)
    past = {"expired": 800, "closed": 1200}.get(state, 700 if state == "expiring" else 10)
    start = today - timedelta(days=past)
    ends = {
        "expiring": today + timedelta(days=25),
        "expired": today - timedelta(days=60),
        "closed": today - timedelta(days=400),
    }.get(state, today + timedelta(days=700))
    data_request = approved_request(title=title, elements=elements, ana=ana, ben=ben)
    project = _project(title, ana=ana, ben=ben, starts_on=start)
    drafted_at = now - timedelta(days=past + 10)
    agreement = drafted(
        data_request=data_request, project=project, at=drafted_at, starts_on=start, ends_on=ends
    )
    if state == "draft":
        return agreement
    if state == "signature":
        version = services.agreement_send_for_signature(
            actor=_persona("maya"), agreement=agreement, at=now - timedelta(days=2)
        )
        grace = _persona("grace")
        services.agreement_sign(
            actor=grace, version=version, typed_name=grace.full_name, attest=True
        )
        return agreement
    signed(agreement, at=drafted_at + timedelta(days=5), accept=[ana, ben])
    if state == "expiring":
        services.agreements_daily(at=now)
        services.amendment_propose(
            actor=ana,
            agreement=agreement,
            reason="The reading outcomes of the last cohort arrive next year: extend by six "
            "months.",
            terms={"ends_on": ends + timedelta(days=183)},
        )
        return agreement
    day_after = ends + timedelta(days=1)
    end_of_term = timezone.make_aware(datetime.combine(day_after, datetime.min.time()))
    services.agreements_daily(at=end_of_term)
    if state == "closed":
        agreement.refresh_from_db()
        services.certificate_sign(
            actor=ana,
            agreement=agreement,
            method="destroy",
            completed_on=ends + timedelta(days=12),
            description="Deleted the project folder in the secure workspace and its backups; "
            "no copy was ever made outside it.",
            typed_name=ana.full_name,
            attest=True,
            at=end_of_term + timedelta(days=14),
        )
    return agreement
