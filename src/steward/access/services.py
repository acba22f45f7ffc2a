"""Writes of data requests. Every move of a request is one service: a compare-and-swap on its
status, its audit entry, one transaction; mail goes out after the commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from steward.access.models import (
    CRITERIA,
    EDITABLE,
    TRANSITIONS,
    AgencySignoff,
    CommitteeMember,
    CommitteeRules,
    ConflictDeclaration,
    DataRequest,
    Decision,
    DenialReason,
    DenialReport,
    Perspective,
    RequestedElement,
    RequestPerson,
    RequestVersion,
    Review,
    Screening,
    Status,
    StatusChange,
    TrainingCompletion,
    Vote,
)
from steward.access.notifications import notify
from steward.access.selectors import (
    Tally,
    committee_rules,
    people_without_training,
    recused_ids,
    vote_tally,
)
from steward.access.training import MODULE_VERSION, QUIZ, quiz_score
from steward.accounts.models import User
from steward.accounts.roles import Role
from steward.catalog.models import Element
from steward.core.audit import audit_record

IRB_LETTER_MAX_BYTES = 10 * 1024 * 1024

SCREENING_CHECKLIST = (
    ("purpose", "Purpose and research questions are clear and tied to the agenda"),
    ("elements", "Every element has years, a population and a justification"),
    ("ferpa", "The FERPA exception claimed fits the requester and the purpose"),
    ("irb", "The IRB letter is on file, current, and names this project"),
    ("personnel", "Everyone named is registered and has a role"),
    ("security", "The data security plan is described"),
    ("publication", "The publication and dissemination plan is described"),
)

EDITABLE_FIELDS = (
    "requester_type",
    "requesting_organization",
    "project",
    "project_title",
    "project_summary",
    "purpose",
    "research_questions",
    "agenda_alignment",
    "linkage_needed",
    "linkage_description",
    "ferpa_exception",
    "irb_institution",
    "irb_protocol",
    "irb_status",
    "irb_project_title",
    "irb_approved_on",
    "irb_expires_on",
    "security_plan",
    "security_environment",
    "publication_plan",
    "starts_on",
    "ends_on",
    "timeline",
)


class TransitionRefused(ValidationError):
    """The request is not in a state from which this move is allowed."""


class StaleRequest(ValidationError):
    """Someone else moved the request first; nothing was changed."""


def _move(data_request: DataRequest, *, actor: Any, to: str) -> str:
    """Compare-and-swap the status; call inside the service's transaction."""
    old = data_request.status
    if to not in TRANSITIONS[old]:
        raise TransitionRefused(
            f"A request that is “{Status(old).label}” cannot become “{Status(to).label}”."
        )
    now = timezone.now()
    updated = DataRequest.objects.filter(pk=data_request.pk, status=old).update(
        status=to, status_changed_at=now, updated_at=now
    )
    if updated != 1:
        raise StaleRequest("Someone else changed this request first. Reload it and try again.")
    StatusChange.objects.create(
        request=data_request,
        from_status=old,
        to_status=to,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    data_request.status, data_request.status_changed_at, data_request.updated_at = to, now, now
    return old


def _on_team(actor: Any, data_request: DataRequest) -> bool:
    return (
        data_request.created_by_id == actor.pk or data_request.personnel.filter(user=actor).exists()
    )


def _require_editor(actor: Any, data_request: DataRequest) -> None:
    if not (actor.has_role(Role.RESEARCHER) and _on_team(actor, data_request)):
        raise PermissionDenied
    if data_request.status not in EDITABLE:
        raise TransitionRefused(
            f"A request that is “{data_request.get_status_display()}” cannot be edited."
        )


def _lock(data_request: DataRequest) -> DataRequest:
    """Re-read the request under a row lock, so that edits and moves queue behind each other."""
    list(DataRequest.objects.select_for_update().filter(pk=data_request.pk).values("pk"))
    data_request.refresh_from_db()
    return data_request


# --- drafting -------------------------------------------------------------------------------


def request_create(*, actor: User, project_title: str = "", **fields: Any) -> DataRequest:
    """Start a draft; its author is named on it as principal investigator."""
    if not actor.has_role(Role.RESEARCHER):
        raise PermissionDenied
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    organization = actor.organization.name if actor.organization else ""
    fields.setdefault("requesting_organization", organization)
    with transaction.atomic():
        data_request = DataRequest.objects.create(
            created_by=actor, project_title=project_title, **fields
        )
        RequestPerson.objects.create(request=data_request, user=actor, role=RequestPerson.Role.PI)
        audit_record(actor=actor, action="request.created", target=data_request)
    return data_request


def _check_letter(letter: UploadedFile) -> None:
    if not letter.name.lower().endswith(".pdf"):
        raise ValidationError("The IRB letter must be a PDF file.")
    if letter.size > IRB_LETTER_MAX_BYTES:
        raise ValidationError("The IRB letter must be 10 MB or smaller.")


def request_update(
    *,
    actor: User,
    data_request: DataRequest,
    fields: dict[str, Any],
    irb_letter: UploadedFile | None = None,
    agenda_questions: list[Any] | None = None,
) -> DataRequest:
    """Save what the requester has written so far; a draft need not be complete."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if irb_letter is not None:
        _check_letter(irb_letter)
    with transaction.atomic():
        data_request = _lock(data_request)
        _require_editor(actor, data_request)
        changed = sorted(
            name for name, value in fields.items() if getattr(data_request, name) != value
        )
        for name in changed:
            setattr(data_request, name, fields[name])
        if irb_letter is not None:
            data_request.irb_letter.save(irb_letter.name, irb_letter, save=False)
            changed.append("irb_letter")
        if agenda_questions is not None:
            before = set(data_request.agenda_questions.values_list("pk", flat=True))
            if before != {question.pk for question in agenda_questions}:
                data_request.agenda_questions.set(agenda_questions)
                changed.append("agenda_questions")
        data_request.updated_at = timezone.now()
        data_request.save()
        audit_record(
            actor=actor, action="request.updated", target=data_request, summary={"fields": changed}
        )
    return data_request


def request_element_add(
    *,
    actor: User,
    data_request: DataRequest,
    element: Element,
    first_year: int,
    last_year: int,
    grades: str = "",
    cohorts: str = "",
    schools_or_districts: str = "",
    justification: str = "",
) -> RequestedElement:
    if first_year > last_year:
        raise ValidationError("The first year must not come after the last year.")
    dataset = element.dataset
    if first_year < dataset.first_year or last_year > dataset.last_year:
        raise ValidationError(
            f"{element}: the catalog holds {dataset.first_year}-{dataset.last_year} only."
        )
    with transaction.atomic():
        data_request = _lock(data_request)
        _require_editor(actor, data_request)
        if data_request.elements.filter(element=element).exists():
            raise ValidationError(f"{element} is already requested; change or remove it instead.")
        item = RequestedElement.objects.create(
            request=data_request,
            element=element,
            agency=dataset.agency,
            first_year=first_year,
            last_year=last_year,
            grades=grades,
            cohorts=cohorts,
            schools_or_districts=schools_or_districts,
            justification=justification,
        )
        DataRequest.objects.filter(pk=data_request.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="request.element_added",
            target=data_request,
            summary={"element": str(element), "years": item.years},
        )
    return item


def request_element_remove(*, actor: User, item: RequestedElement) -> None:
    with transaction.atomic():
        data_request = _lock(item.request)
        _require_editor(actor, data_request)
        label = str(item.element)
        item.delete()
        audit_record(
            actor=actor,
            action="request.element_removed",
            target=data_request,
            summary={"element": label},
        )


def request_person_add(
    *, actor: User, data_request: DataRequest, email: str, role: str
) -> RequestPerson:
    """Name a registered person on the request. Only registered people can be named."""
    if role not in RequestPerson.Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    person = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if person is None:
        raise ValidationError(
            "No registered person has that email address; they must register first."
        )
    with transaction.atomic():
        data_request = _lock(data_request)
        _require_editor(actor, data_request)
        named, created = RequestPerson.objects.update_or_create(
            request=data_request, user=person, defaults={"role": role}
        )
        audit_record(
            actor=actor,
            action="request.person_named",
            target=data_request,
            summary={"user_id": person.pk, "role": role, "new": created},
        )
    return named


def request_person_remove(*, actor: User, person: RequestPerson) -> None:
    with transaction.atomic():
        data_request = _lock(person.request)
        _require_editor(actor, data_request)
        user_id = person.user_id
        person.delete()
        audit_record(
            actor=actor,
            action="request.person_removed",
            target=data_request,
            summary={"user_id": user_id},
        )


# --- completeness ---------------------------------------------------------------------------


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


REQUIRED_TEXT = (
    ("project_title", "Project title"),
    ("project_summary", "Project summary"),
    ("purpose", "Purpose"),
    ("research_questions", "Research questions"),
    ("agenda_alignment", "Link to the research agenda"),
    ("ferpa_exception", "FERPA exception claimed"),
    ("irb_institution", "IRB institution"),
    ("irb_protocol", "IRB protocol number"),
    ("irb_status", "IRB approval or exemption"),
    ("irb_project_title", "Project title on the IRB letter"),
    ("security_plan", "Data security plan"),
    ("publication_plan", "Publication and dissemination plan"),
    ("timeline", "Timeline"),
)


def request_problems(data_request: DataRequest, *, today: date | None = None) -> list[str]:
    """Every missing or inconsistent item, each named, in the order of the form."""
    today = today or timezone.localdate()
    problems = [
        f"{label} is missing."
        for name, label in REQUIRED_TEXT
        if not str(getattr(data_request, name) or "").strip()
    ]
    r = data_request
    if (
        r.irb_project_title
        and r.project_title
        and not _same_title(r.irb_project_title, r.project_title)
    ):
        problems.append(
            "The project title on the IRB letter does not match the project title "
            f"(“{r.irb_project_title}” ≠ “{r.project_title}”)."
        )
    if not r.irb_approved_on:
        problems.append("IRB approval or exemption date is missing.")
    if r.irb_status == DataRequest.IrbStatus.APPROVED and not r.irb_expires_on:
        problems.append("IRB expiry date is missing (an approval expires).")
    if r.irb_approved_on and r.irb_expires_on and r.irb_expires_on <= r.irb_approved_on:
        problems.append("The IRB expiry date must come after its approval date.")
    if r.irb_expires_on and r.irb_expires_on < today:
        problems.append(f"The IRB approval expired on {r.irb_expires_on:%Y-%m-%d}.")
    if not r.irb_letter:
        problems.append("The IRB letter (PDF) is not uploaded.")
    if (
        r.security_plan == DataRequest.SecurityPlan.ENVIRONMENT
        and not r.security_environment.strip()
    ):
        problems.append("Describe the approved environment where the data will be kept.")
    if not r.starts_on or not r.ends_on:
        problems.append("The study's start and end dates are missing.")
    elif r.ends_on <= r.starts_on:
        problems.append("The study must end after it starts.")
    problems += _element_problems(data_request)
    problems += _personnel_problems(data_request)
    return problems


def _element_problems(data_request: DataRequest) -> list[str]:
    items = list(data_request.elements.select_related("element__dataset", "agency"))
    if not items:
        return ["No data elements are requested."]
    problems = []
    for item in items:
        if not item.justification.strip():
            problems.append(f"{item.element}: say why the study needs it (minimum necessary).")
        if not (item.grades.strip() or item.cohorts.strip()):
            problems.append(f"{item.element}: give the population (grades or cohorts).")
    agencies = {item.agency_id for item in items}
    if data_request.linkage_needed and len(agencies) < 2:
        problems.append("Linkage is asked for, but every element comes from one agency.")
    if data_request.linkage_needed and not data_request.linkage_description.strip():
        problems.append("Say why records must be linked across agencies.")
    if len(agencies) > 1 and not data_request.linkage_needed:
        problems.append(
            "Elements come from more than one agency but linkage is not asked for: say whether "
            "records must be linked."
        )
    return problems


def _personnel_problems(data_request: DataRequest) -> list[str]:
    roles = list(data_request.personnel.values_list("role", flat=True))
    pis = roles.count(RequestPerson.Role.PI)
    if pis == 0:
        return ["Name a principal investigator."]
    if pis > 1:
        return ["Name only one principal investigator."]
    return []


def _snapshot(data_request: DataRequest) -> dict[str, Any]:
    fields = {}
    for name in EDITABLE_FIELDS:
        value = getattr(data_request, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif hasattr(value, "pk"):
            value = str(value)
        fields[name] = value
    fields["agenda_questions"] = sorted(str(q) for q in data_request.agenda_questions.all())
    fields["irb_letter"] = data_request.irb_letter.name or ""
    elements = {
        str(item.element): {
            "years": item.years,
            "grades": item.grades,
            "cohorts": item.cohorts,
            "schools_or_districts": item.schools_or_districts,
            "justification": item.justification,
        }
        for item in data_request.elements.select_related("element__dataset")
    }
    personnel = sorted(
        f"{person.user.email} ({person.get_role_display()})"
        for person in data_request.personnel.select_related("user")
    )
    return {"fields": fields, "elements": elements, "personnel": personnel}


def request_submit(*, actor: User, data_request: DataRequest) -> DataRequest:
    """Submit (or resubmit, as a new version) a complete request to the research office."""
    with transaction.atomic():
        data_request = _lock(data_request)
        _require_editor(actor, data_request)
        problems = request_problems(data_request)
        if problems:
            raise ValidationError(problems)
        _move(data_request, actor=actor, to=Status.SUBMITTED)
        data_request.version += 1
        if data_request.first_submitted_at is None:
            data_request.first_submitted_at = timezone.now()
        data_request.save(update_fields=["version", "first_submitted_at"])
        data_request.elements.update(
            signoff=RequestedElement.Signoff.PENDING, signoff_reason="", granted=None
        )
        RequestVersion.objects.create(
            request=data_request,
            number=data_request.version,
            snapshot=_snapshot(data_request),
            submitted_by=actor,
        )
        audit_record(
            actor=actor,
            action="request.submitted",
            target=data_request,
            summary={"version": data_request.version},
        )
        notify(data_request, Status.SUBMITTED)
    return data_request


# --- screening ------------------------------------------------------------------------------


def _require_role(actor: Any, *roles: str) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.role_names & set(roles)):
        raise PermissionDenied


def request_screening_start(*, actor: User, data_request: DataRequest) -> DataRequest:
    _require_role(actor, Role.LIAISON)
    with transaction.atomic():
        _move(data_request, actor=actor, to=Status.SCREENING)
        audit_record(actor=actor, action="request.screening_started", target=data_request)
        notify(data_request, Status.SCREENING)
    return data_request


def request_screen(
    *,
    actor: User,
    data_request: DataRequest,
    checklist: dict[str, bool],
    passed: bool,
    comments: str = "",
) -> Screening:
    """Pass the request on to the agencies, or return it to the requester with comments."""
    _require_role(actor, Role.LIAISON)
    known = {key for key, _ in SCREENING_CHECKLIST}
    ticks = {key: bool(checklist.get(key)) for key in known}
    if passed and not all(ticks.values()):
        missing = [label for key, label in SCREENING_CHECKLIST if not ticks[key]]
        raise ValidationError(["Tick every item before passing it on; open: " + "; ".join(missing)])
    if not passed and not comments.strip():
        raise ValidationError("Say what the requester must change when returning a request.")
    to = Status.SIGNOFF if passed else Status.RETURNED
    with transaction.atomic():
        _move(data_request, actor=actor, to=to)
        screening = Screening.objects.create(
            request=data_request,
            version=data_request.version,
            checklist=ticks,
            outcome=Screening.Outcome.PASSED if passed else Screening.Outcome.RETURNED,
            comments=comments,
            screened_by=actor,
        )
        audit_record(
            actor=actor,
            action="request.screened",
            target=data_request,
            summary={"outcome": screening.outcome, "version": data_request.version},
        )
        notify(data_request, to)
    return screening


# --- agency sign-off ------------------------------------------------------------------------


def signoff_record(
    *,
    actor: User,
    data_request: DataRequest,
    decisions: dict[int, tuple[bool, str]],
    note: str = "",
) -> AgencySignoff:
    """The steward approves or declines each of their agency's elements (declines need a reason).
    When the last agency has signed, the approved elements go on to the committee."""
    _require_role(actor, Role.STEWARD)
    agency_id = actor.steward_agency_id
    with transaction.atomic():
        data_request = _lock(data_request)
        if data_request.status != Status.SIGNOFF:
            raise TransitionRefused("This request is not waiting for agency sign-off.")
        items = list(data_request.elements.filter(agency_id=agency_id).select_related("element"))
        if agency_id is None or not items:
            raise PermissionDenied
        if AgencySignoff.objects.filter(
            request=data_request, version=data_request.version, agency_id=agency_id
        ).exists():
            raise StaleRequest("Your agency has already signed off this version.")
        problems = []
        for item in items:
            if item.pk not in decisions:
                problems.append(f"{item.element}: approve or decline it.")
            elif not decisions[item.pk][0] and not decisions[item.pk][1].strip():
                problems.append(f"{item.element}: give the reason for declining it.")
        if set(decisions) - {item.pk for item in items}:
            raise PermissionDenied
        if problems:
            raise ValidationError(problems)
        for item in items:
            approve, reason = decisions[item.pk]
            item.signoff = (
                RequestedElement.Signoff.APPROVED if approve else RequestedElement.Signoff.DECLINED
            )
            item.signoff_reason = reason.strip()
            item.save(update_fields=["signoff", "signoff_reason"])
        approved = sum(1 for item in items if decisions[item.pk][0])
        outcome = (
            AgencySignoff.Outcome.APPROVED
            if approved == len(items)
            else AgencySignoff.Outcome.DECLINED
            if approved == 0
            else AgencySignoff.Outcome.PARTIAL
        )
        signoff = AgencySignoff.objects.create(
            request=data_request,
            version=data_request.version,
            agency_id=agency_id,
            steward=actor,
            outcome=outcome,
            note=note,
        )
        moved_to = _after_last_signoff(data_request, actor)
        audit_record(
            actor=actor,
            action="request.signed_off",
            target=data_request,
            summary={
                "agency_id": agency_id,
                "outcome": outcome,
                "approved": approved,
                "declined": len(items) - approved,
                "moved_to": moved_to,
            },
        )
    return signoff


def _after_last_signoff(data_request: DataRequest, actor: User) -> str:
    if data_request.elements.filter(signoff=RequestedElement.Signoff.PENDING).exists():
        return ""
    if data_request.elements.filter(signoff=RequestedElement.Signoff.APPROVED).exists():
        _move(data_request, actor=actor, to=Status.COMMITTEE)
        notify(data_request, Status.COMMITTEE)
        return Status.COMMITTEE
    _move(data_request, actor=actor, to=Status.DENIED)
    _record_denial(
        data_request,
        actor=None,
        version=data_request.version,
        rationale="Every agency declined every element requested.",
        reasons=[DenialReason.AGENCY_DECLINED],
    )
    notify(data_request, Status.DENIED)
    return Status.DENIED


# --- committee ------------------------------------------------------------------------------


def conflict_declare(
    *, actor: User, data_request: DataRequest, has_conflict: bool, description: str = ""
) -> ConflictDeclaration:
    """A member declares, before reviewing, whether they have a conflict; a conflict recuses."""
    _require_role(actor, Role.COMMITTEE, Role.CHAIR)
    if data_request.status != Status.COMMITTEE:
        raise TransitionRefused("This request is not in committee review.")
    if has_conflict and not description.strip():
        raise ValidationError("Describe the conflict of interest.")
    with transaction.atomic():
        if ConflictDeclaration.objects.filter(request=data_request, member=actor).exists():
            raise ValidationError("You have already declared for this request.")
        declaration = ConflictDeclaration.objects.create(
            request=data_request,
            member=actor,
            has_conflict=has_conflict,
            description=description.strip(),
        )
        audit_record(
            actor=actor,
            action="request.conflict_declared",
            target=data_request,
            summary={"has_conflict": has_conflict},
        )
    return declaration


def review_record(
    *,
    actor: User,
    data_request: DataRequest,
    scores: dict[str, int],
    vote: str,
    rationale: str,
) -> Review:
    """A member scores each criterion from 1 to 5 and votes, with a rationale."""
    _require_role(actor, Role.COMMITTEE)
    if data_request.status != Status.COMMITTEE:
        raise TransitionRefused("This request is not in committee review.")
    declaration = ConflictDeclaration.objects.filter(request=data_request, member=actor).first()
    if declaration is None:
        raise ValidationError("Declare whether you have a conflict of interest before voting.")
    if declaration.has_conflict:
        raise PermissionDenied("You declared a conflict of interest and are recused.")
    problems = [
        f"Score “{label}” from 1 to 5."
        for key, label in CRITERIA
        if not isinstance(scores.get(key), int) or not 1 <= scores[key] <= 5
    ]
    if vote not in Vote.values:
        problems.append("Vote approve, deny or revise.")
    if not rationale.strip():
        problems.append("Give the rationale for your vote.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    request=data_request,
                    version=data_request.version,
                    reviewer=actor,
                    scores={key: scores[key] for key, _ in CRITERIA},
                    vote=vote,
                    rationale=rationale.strip(),
                )
        except IntegrityError as error:
            raise ValidationError("You have already voted on this version.") from error
        audit_record(
            actor=actor,
            action="request.reviewed",
            target=data_request,
            summary={"vote": vote, "version": data_request.version},
        )
        tally = vote_tally(data_request)
        if tally.votes == tally.rules.quorum:
            notify(data_request, "quorum")
    return review


def decision_problems(
    data_request: DataRequest,
    *,
    actor: User,
    outcome: str,
    rationale: str,
    reason_categories: list[str],
    granted_ids: list[int],
) -> list[str]:
    """Why the chair may not record this decision now; empty when they may."""
    problems = []
    if actor.pk in recused_ids(data_request):
        problems.append("You declared a conflict of interest on this request and are recused.")
    tally = vote_tally(data_request)
    vote_for = {
        Decision.Outcome.APPROVED: Vote.APPROVE,
        Decision.Outcome.DENIED: Vote.DENY,
        Decision.Outcome.REVISIONS: Vote.REVISE,
    }.get(outcome)
    if vote_for is None:
        quorum = committee_rule_problems(tally)
        return [*problems, *quorum, "Choose approve, deny or request revisions."]
    problems += committee_rule_problems(tally, vote_for)
    if not rationale.strip():
        problems.append("Give the rationale of the decision.")
    if outcome == Decision.Outcome.DENIED:
        if not reason_categories:
            problems.append("Choose at least one reason category for the denial.")
        elif set(reason_categories) - set(DenialReason.values):
            problems.append("Unknown reason category.")
    if outcome == Decision.Outcome.APPROVED:
        problems += _approval_problems(data_request, tally, granted_ids)
    return problems


def committee_rule_problems(tally: Tally, vote_for: str | None = None) -> list[str]:
    """What the committee's rules still lack before the chair may record the outcome the votes
    `vote_for` carry (quorum, minimum votes for it, an approval from outside the research
    office); empty when the rules are met. Data requests and agreement amendments share it."""
    rules = tally.rules
    problems = []
    if not tally.quorum_met:
        missing = rules.quorum - tally.votes
        problems.append(
            f"Quorum not met: {tally.votes} of {rules.quorum} votes; {missing} more "
            f"{'vote' if missing == 1 else 'votes'} needed for quorum."
        )
    if vote_for is None:
        return problems
    if not tally.supports(vote_for):
        problems.append(
            f"“{Vote(vote_for).label}” has {tally.counts.get(vote_for, 0)} votes; the rules need "
            f"{rules.minimum_approvals}: no one decides alone."
        )
    if vote_for == Vote.APPROVE and rules.require_outside_approval and tally.outside_approvals == 0:
        problems.append("No approving vote comes from outside the research office.")
    return problems


def _approval_problems(data_request: DataRequest, tally, granted_ids: list[int]) -> list[str]:
    problems = []
    untrained = people_without_training(data_request)
    if untrained:
        names = ", ".join(person.full_name or person.email for person in untrained)
        problems.append(f"Privacy training is missing or expired for: {names}.")
    approvable = set(
        data_request.elements.filter(signoff=RequestedElement.Signoff.APPROVED).values_list(
            "pk", flat=True
        )
    )
    if not granted_ids:
        problems.append("Grant at least one element.")
    elif set(granted_ids) - approvable:
        problems.append("Only elements the agencies approved can be granted.")
    return problems


def decision_record(
    *,
    actor: User,
    data_request: DataRequest,
    outcome: str,
    rationale: str,
    conditions: str = "",
    reason_categories: list[str] | None = None,
    granted_ids: list[int] | None = None,
) -> Decision:
    """The chair records the committee's decision, possibly granting less than was asked."""
    _require_role(actor, Role.CHAIR)
    reason_categories = list(reason_categories or [])
    granted_ids = list(granted_ids or [])
    if data_request.status != Status.COMMITTEE:
        raise TransitionRefused("This request is not in committee review.")
    problems = decision_problems(
        data_request,
        actor=actor,
        outcome=outcome,
        rationale=rationale,
        reason_categories=reason_categories,
        granted_ids=granted_ids,
    )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        _move(data_request, actor=actor, to=outcome)
        if outcome == Decision.Outcome.DENIED:
            decision = _record_denial(
                data_request,
                actor=actor,
                version=data_request.version,
                rationale=rationale,
                reasons=reason_categories,
                conditions=conditions,
            )
        else:
            decision = Decision.objects.create(
                request=data_request,
                version=data_request.version,
                outcome=outcome,
                rationale=rationale.strip(),
                conditions=conditions.strip(),
                decided_by=actor,
            )
        if outcome == Decision.Outcome.APPROVED:
            data_request.elements.update(granted=False)
            data_request.elements.filter(pk__in=granted_ids).update(granted=True)
        if outcome == Decision.Outcome.APPROVED:
            data_request.decided_at = decision.decided_at
            data_request.save(update_fields=["decided_at"])
        audit_record(
            actor=actor,
            action="request.decided",
            target=data_request,
            summary={
                "outcome": outcome,
                "version": data_request.version,
                "granted": len(granted_ids),
                "reasons": reason_categories,
            },
        )
        notify(data_request, outcome)
    return decision


def _record_denial(
    data_request: DataRequest,
    *,
    actor: Any,
    version: int,
    rationale: str,
    reasons: list[str],
    conditions: str = "",
) -> Decision:
    decision = Decision.objects.create(
        request=data_request,
        version=version,
        outcome=Decision.Outcome.DENIED,
        rationale=rationale.strip(),
        conditions=conditions.strip(),
        reason_categories=list(reasons),
        decided_by=actor,
    )
    data_request.decided_at = decision.decided_at
    data_request.save(update_fields=["decided_at"])
    if data_request.holds_valid_irb():
        DenialReport.objects.create(
            request=data_request,
            project_title=data_request.project_title,
            requesting_organization=data_request.requesting_organization,
            requester_type=data_request.requester_type,
            reason_categories=list(reasons),
            denied_on=timezone.localdate(decision.decided_at),
        )
    return decision


# --- training and the committee's set-up ----------------------------------------------------


def training_complete(
    *, actor: User, answers: dict[str, str], attested: bool
) -> TrainingCompletion:
    """Record the privacy orientation when the person attests and answers every question right."""
    if not attested:
        raise ValidationError("Attest that you have read the orientation and will follow it.")
    score, wrong = quiz_score(answers)
    if wrong:
        texts = [question.text for question in QUIZ if question.key in wrong]
        raise ValidationError(["Not yet right: " + " / ".join(texts)])
    now = timezone.now()
    with transaction.atomic():
        completion = TrainingCompletion.objects.create(
            user=actor,
            module_version=MODULE_VERSION,
            completed_at=now,
            expires_at=TrainingCompletion.expiry_for(now),
            quiz_score=score,
            quiz_total=len(QUIZ),
            attested=True,
        )
        audit_record(
            actor=actor,
            action="training.completed",
            target=completion,
            summary={"module": MODULE_VERSION, "score": score},
        )
    return completion


def committee_rules_update(
    *, actor: User, quorum: int, minimum_approvals: int, require_outside_approval: bool
) -> CommitteeRules:
    _require_role(actor, Role.CHAIR, Role.ADMINISTRATOR)
    if quorum < 2 or minimum_approvals < 2:
        raise ValidationError("Quorum and minimum approvals must each be at least 2.")
    if minimum_approvals > quorum:
        raise ValidationError("Minimum approvals cannot exceed the quorum.")
    with transaction.atomic():
        rules = committee_rules()
        rules.quorum, rules.minimum_approvals = quorum, minimum_approvals
        rules.require_outside_approval = require_outside_approval
        rules.updated_at = timezone.now()
        rules.save()
        audit_record(
            actor=actor,
            action="committee.rules_changed",
            target=rules,
            summary={
                "quorum": quorum,
                "minimum_approvals": minimum_approvals,
                "require_outside_approval": require_outside_approval,
            },
        )
    return rules


def committee_member_set(
    *, actor: Any, user: User, perspective: str, in_research_office: bool = False
) -> CommitteeMember:
    """Give a member one of the committee's perspectives (legal, IT and security, policy,
    research, district, legislative)."""
    if perspective not in Perspective.values:
        labels = ", ".join(label for _, label in Perspective.choices)
        raise ValidationError(f"Choose one of the committee's perspectives: {labels}.")
    with transaction.atomic():
        member, _ = CommitteeMember.objects.update_or_create(
            user=user,
            defaults={"perspective": perspective, "in_research_office": in_research_office},
        )
        audit_record(
            actor=actor,
            action="committee.member_set",
            target=member,
            summary={"user_id": user.pk, "perspective": perspective},
        )
    return member
