"""Writes of agreements. Each service is one transaction with its audit entry; every status
move is a compare-and-swap on the row; mail goes out after the commit. Time is a parameter
(`at`, now by default), so the lifecycle can be tested without waiting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from steward.access.models import DataRequest, Decision, Vote
from steward.access.models import Status as RequestStatus
from steward.access.selectors import Tally, recused_ids, tally_of
from steward.access.services import committee_rule_problems
from steward.accounts.models import Organization, User
from steward.accounts.roles import Role
from steward.agenda.models import Project
from steward.agreements import documents
from steward.agreements.checklist import (
    FERPA_CHECKLIST,
    ferpa_problems,
    obligations_sha256,
    term_problems,
)
from steward.agreements.models import (
    TRANSITIONS,
    VERSION_TRANSITIONS,
    Acceptance,
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    AmendmentVote,
    DispositionCertificate,
    Grant,
    Notice,
    Signature,
    Status,
    VersionPerson,
    VersionStatus,
)
from steward.agreements.notifications import notify, privacy_officers, role_holders
from steward.catalog.models import Element
from steward.core.audit import audit_record

SEA_SIGNER_ROLES = frozenset({Role.CHAIR, Role.LIAISON, Role.PRIVACY_OFFICER})
REMINDER_DAYS = (90, 30, 7)
HIGHER_LEVEL = 3  # classification levels 3-4: adding them to an agreement takes the committee

SIGNATURE_ATTESTATION = (
    "I am authorized to sign this agreement for {party}, I have read version {number} "
    "(SHA-256 {sha}), and I sign it on that party's behalf."
)
ACCEPTANCE_ATTESTATION = (
    "I have read version {number} of this agreement and I accept its terms as they bind me "
    "personally: I use the data only as it allows, keep it secure, never try to identify any "
    "student or parent, and destroy or return it as it says."
)
DONE = {
    AgreementVersion.Disposition.DESTROY: "destroyed",
    AgreementVersion.Disposition.RETURN: "returned",
}
CERTIFICATE_ATTESTATION = (
    "I certify that all data received under this agreement, and every copy of it, has been "
    "{method} as described above."
)

# The terms a liaison may edit on a draft, or an amendment may change.
TERM_FIELDS = (
    "purpose",
    "scope_of_work",
    "goals",
    "deliverables",
    "timeline",
    "allowable_use",
    "security_transfer",
    "security_storage",
    "security_use",
    "legal_compliance",
    "starts_on",
    "ends_on",
    "renewal_terms",
    "refresh_schedule",
    "matching_authorized",
    "disposition",
    "disposition_days",
    "interim_findings",
    "feedback",
    "publication_review_days",
    "point_of_contact",
    "sea_signer",
    "organization_signer",
)


class TransitionRefused(ValidationError):
    """The agreement or version is not in a state from which this move is allowed."""


class StaleAgreement(ValidationError):
    """Someone else moved it first; nothing was changed."""


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _move(agreement: Agreement, *, to: str, at: datetime, **fields: Any) -> str:
    """Compare-and-swap the agreement's status; call inside the service's transaction."""
    old = agreement.status
    if to not in TRANSITIONS[old]:
        raise TransitionRefused(
            f"An agreement that is “{Status(old).label}” cannot become “{Status(to).label}”."
        )
    updated = Agreement.objects.filter(pk=agreement.pk, status=old).update(
        status=to, status_changed_at=at, **fields
    )
    if updated != 1:
        raise StaleAgreement("Someone else changed this agreement first. Reload it and try again.")
    agreement.status, agreement.status_changed_at = to, at
    for name, value in fields.items():
        setattr(agreement, name, value)
    return old


def _move_version(version: AgreementVersion, *, to: str, **fields: Any) -> str:
    old = version.status
    if to not in VERSION_TRANSITIONS[old]:
        raise TransitionRefused(
            f"A version that is “{VersionStatus(old).label}” cannot become "
            f"“{VersionStatus(to).label}”."
        )
    updated = AgreementVersion.objects.filter(pk=version.pk, status=old).update(status=to, **fields)
    if updated != 1:
        raise StaleAgreement("Someone else changed this version first. Reload it and try again.")
    version.status = to
    for name, value in fields.items():
        setattr(version, name, value)
    return old


def _require_role(actor: Any, *roles: str) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if not any(actor.has_role(role) for role in roles):
        raise PermissionDenied


HONORIFICS = re.compile(r"^(dr|prof|mr|mrs|ms|mx)\.?\s+", re.IGNORECASE)


def _same_name(typed: str, user: User) -> bool:
    """The typed name is the account's full name, whatever the case, spacing or honorific."""

    def normal(text: str) -> str:
        text = re.sub(r"\s+", " ", text).strip()
        return HONORIFICS.sub("", text).casefold()

    return bool(typed.strip()) and normal(typed) == normal(user.full_name)


def _check_typed(typed_name: str, actor: User, attest: bool) -> None:
    problems = []
    if not _same_name(typed_name, actor):
        problems.append("Type your full name exactly as your account gives it.")
    if not attest:
        problems.append("Confirm the attestation.")
    if problems:
        raise ValidationError(problems)


# --- templates ------------------------------------------------------------------------------


def template_current(code: str = "standard") -> AgreementTemplate | None:
    return AgreementTemplate.objects.filter(code=code).order_by("-version").first()


def template_revise(
    *, actor: User, body: str, title: str, note: str = "", code: str = "standard"
) -> AgreementTemplate:
    """Save a new version of the template; agreements already rendered keep their text."""
    _require_role(actor, Role.ADMINISTRATOR)
    problems = documents.template_problems(body)
    if not title.strip():
        problems.append("Give the template a title.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        current = template_current(code)
        template = AgreementTemplate.objects.create(
            code=code,
            version=(current.version + 1) if current else 1,
            title=title.strip(),
            body=body.replace("\r\n", "\n"),
            note=note.strip(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="agreement_template.revised",
            target=template,
            summary={"code": code, "version": template.version},
        )
    return template


def _template_for_drafting(actor: Any) -> AgreementTemplate:
    """The current template; the standard text becomes version 1 the first time."""
    current = template_current()
    if current is not None:
        return current
    template = AgreementTemplate.objects.create(
        code="standard",
        version=1,
        title=documents.DEFAULT_TITLE,
        body=documents.DEFAULT_BODY,
        note="The standard text shipped with Steward.",
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="agreement_template.revised",
        target=template,
        summary={"code": "standard", "version": 1},
    )
    return template


# --- drafting -------------------------------------------------------------------------------


def _approved_decision(data_request: DataRequest) -> Decision:
    decision = (
        data_request.decisions.filter(outcome=Decision.Outcome.APPROVED)
        .order_by("-version")
        .first()
    )
    if data_request.status != RequestStatus.APPROVED or decision is None:
        raise TransitionRefused("Only an approved request becomes an agreement.")
    return decision


def _sea() -> Organization | None:
    return Organization.objects.filter(
        kind=Organization.Kind.AGENCY, agency_kind=Organization.AgencyKind.SEA
    ).first()


def _check_signers(sea_signer: User | None, organization_signer: User | None, organization):
    problems = []
    sea = _sea()
    if sea_signer is not None and not (
        sea_signer.organization_id == getattr(sea, "pk", None)
        and sea_signer.role_names & SEA_SIGNER_ROLES
    ):
        problems.append(
            f"{sea_signer.full_name} cannot sign for the Department: the signer must work "
            "there as its chair, liaison or privacy officer."
        )
    if organization_signer is not None and organization_signer.organization_id != organization.pk:
        problems.append(
            f"{organization_signer.full_name} cannot sign for {organization.name}: the signer "
            "must belong to it."
        )
    if problems:
        raise ValidationError(problems)


def _security_terms(data_request: DataRequest) -> dict[str, str]:
    if data_request.security_plan == DataRequest.SecurityPlan.ENVIRONMENT:
        storage = data_request.security_environment or "The approved environment described."
        transfer = "Only by the platform's encrypted download, to the approved environment."
    else:
        storage = "Encrypted at rest in the platform's secure workspace; no copy leaves it."
        transfer = "Data moves only inside the platform; never by email or removable media."
    return {
        "security_transfer": transfer,
        "security_storage": storage,
        "security_use": "Only the named researchers, each signed in with their own account; "
        "project pseudonyms in place of the agencies' identifiers; results leave only after "
        "the Department's disclosure review.",
    }


def _terms_from(data_request: DataRequest, decision: Decision, project: Project) -> dict:
    exception = data_request.get_ferpa_exception_display() or "the studies exception"
    conditions = decision.conditions.strip()
    partnership = project.partnership
    return {
        "purpose": data_request.purpose,
        "scope_of_work": "\n".join(
            part
            for part in (
                data_request.project_summary,
                f"Conditions set by the Research Review Committee: {conditions}"
                if conditions
                else "",
            )
            if part
        ),
        "goals": data_request.research_questions,
        "deliverables": data_request.publication_plan,
        "timeline": data_request.timeline,
        "allowable_use": AgreementVersion.AllowableUse.SCOPE,
        **_security_terms(data_request),
        "legal_compliance": f"The Department discloses the data under FERPA, {exception}, and "
        "the state's student privacy law; the Organization is bound by both, and by 34 CFR "
        "99.33 on redisclosure.",
        "starts_on": data_request.starts_on,
        "ends_on": data_request.ends_on,
        "renewal_terms": "The term may be extended, or the agreement renewed, only by a signed "
        "amendment before the end date; access otherwise ends on its own on the end date.",
        "refresh_schedule": "",
        "matching_authorized": data_request.linkage_needed,
        "disposition": AgreementVersion.Disposition.DESTROY,
        "disposition_days": 30,
        "interim_findings": "Shared with the Department's point of contact at each milestone "
        "of the timeline, through the platform.",
        "feedback": partnership.independence
        or "The Department's comments are advice; the researchers say how they considered each.",
        "publication_review_days": partnership.review_period_days or 30,
    }


def agreement_draft(
    *,
    actor: User,
    data_request: DataRequest,
    project: Project | None = None,
    sea_signer: User | None = None,
    organization_signer: User | None = None,
    at: datetime | None = None,
) -> Agreement:
    """The liaison drafts the agreement of an approved request: the decided grant (which may be
    narrower than what was asked), its personnel, and terms taken from the request."""
    _require_role(actor, Role.LIAISON)
    at = _now(at)
    decision = _approved_decision(data_request)
    project = project or data_request.project
    if project is None:
        raise ValidationError("Choose the project this agreement serves.")
    organization = data_request.created_by.organization
    if organization is None:
        raise ValidationError("The requester belongs to no research organization.")
    granted = list(data_request.elements.filter(granted=True).select_related("element", "agency"))
    if not granted:
        raise ValidationError("The decision granted no element.")
    _check_signers(sea_signer, organization_signer, organization)
    with transaction.atomic():
        list(DataRequest.objects.select_for_update().filter(pk=data_request.pk).values("pk"))
        if Agreement.objects.filter(data_request=data_request).exists():
            raise TransitionRefused("This request has an agreement already.")
        agreement = Agreement.objects.create(
            data_request=data_request,
            project=project,
            research_organization=organization,
            created_by=actor,
            created_at=at,
            status_changed_at=at,
        )
        version = AgreementVersion.objects.create(
            agreement=agreement,
            number=1,
            template=_template_for_drafting(actor),
            created_by=actor,
            created_at=at,
            point_of_contact=project.liaison,
            sea_signer=sea_signer,
            organization_signer=organization_signer,
            **_terms_from(data_request, decision, project),
        )
        Grant.objects.bulk_create(
            Grant(
                version=version,
                agency=item.agency,
                element=item.element,
                first_year=item.first_year,
                last_year=item.last_year,
                grades=item.grades,
                cohorts=item.cohorts,
                schools_or_districts=item.schools_or_districts,
            )
            for item in granted
        )
        VersionPerson.objects.bulk_create(
            VersionPerson(version=version, user=person.user, role=person.role)
            for person in data_request.personnel.all()
        )
        audit_record(
            actor=actor,
            action="agreement.drafted",
            target=agreement,
            summary={"request": data_request.pk, "project": project.pk, "grants": len(granted)},
        )
    return agreement


def _locked_version(agreement: Agreement, status: str) -> AgreementVersion | None:
    """The agreement's version in this status, under a row lock (never through a prefetch)."""
    return (
        AgreementVersion.objects.select_for_update(of=("self",))
        .filter(agreement_id=agreement.pk, status=status)
        .first()
    )


def _open_version(agreement: Agreement) -> AgreementVersion | None:
    return agreement.versions.filter(
        status__in=[VersionStatus.DRAFT, VersionStatus.PROPOSED, VersionStatus.SIGNATURE]
    ).first()


def _clean_terms(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(TERM_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown terms: {', '.join(sorted(unknown))}.")
    cleaned = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        cleaned[name] = value
    return cleaned


def agreement_update(
    *,
    actor: User,
    agreement: Agreement,
    fields: dict[str, Any],
    ferpa_checklist: dict[str, bool] | None = None,
) -> AgreementVersion:
    """The liaison edits the draft's terms and ticks the FERPA checklist."""
    _require_role(actor, Role.LIAISON)
    fields = _clean_terms(fields)
    with transaction.atomic():
        version = _locked_version(agreement, VersionStatus.DRAFT)
        if version is None or agreement.status != Status.DRAFT:
            raise TransitionRefused("Only a draft agreement can be edited.")
        _check_signers(
            fields.get("sea_signer", version.sea_signer),
            fields.get("organization_signer", version.organization_signer),
            agreement.research_organization,
        )
        changed = sorted(name for name, value in fields.items() if _value(version, name) != value)
        for name in changed:
            setattr(version, name, fields[name])
        if ferpa_checklist is not None:
            ticked = {key: bool(ferpa_checklist.get(key)) for key, _ in FERPA_CHECKLIST}
            if ticked != version.ferpa_checklist:
                version.ferpa_checklist = ticked
                changed.append("ferpa_checklist")
        if version.starts_on and version.ends_on and version.ends_on < version.starts_on:
            raise ValidationError("The end date is before the start date.")
        version.save()
        audit_record(
            actor=actor, action="agreement.updated", target=agreement, summary={"changed": changed}
        )
    return version


def _value(version: AgreementVersion, name: str) -> Any:
    return getattr(version, name)


def _render(version: AgreementVersion, at: datetime) -> None:
    """Fill the version's template and keep the exact text with its hashes."""
    version.text = documents.fill(version.template.body, documents.field_values(version))
    version.sha256 = documents.sha256_of(version.text)
    version.obligations_sha256 = obligations_sha256(version)
    version.rendered_at = at
    version.save(update_fields=["text", "sha256", "obligations_sha256", "rendered_at"])


def signing_problems(version: AgreementVersion) -> list[str]:
    """Why nobody can sign this version yet; empty when it may be signed."""
    return ferpa_problems(version) + term_problems(version)


def agreement_send_for_signature(
    *, actor: User, agreement: Agreement, at: datetime | None = None
) -> AgreementVersion:
    """Freeze the draft's text and hash, and send it to both parties' signers."""
    _require_role(actor, Role.LIAISON)
    at = _now(at)
    with transaction.atomic():
        version = _locked_version(agreement, VersionStatus.DRAFT)
        if version is None:
            raise TransitionRefused("There is no draft to send for signature.")
        problems = signing_problems(version)
        if problems:
            raise ValidationError(problems)
        _render(version, at)
        _move_version(version, to=VersionStatus.SIGNATURE)
        _move(agreement, to=Status.SIGNATURE, at=at)
        audit_record(
            actor=actor,
            action="agreement.sent_for_signature",
            target=agreement,
            summary={"version": version.number, "sha256": version.sha256},
        )
        notify(
            agreement,
            [version.sea_signer, version.organization_signer],
            "ready for your signature",
            f"Version {version.number} waits for your signature.",
        )
    return version


def agreement_recall(*, actor: User, agreement: Agreement, at: datetime | None = None) -> None:
    """Bring an unsigned agreement back to draft to change its terms."""
    _require_role(actor, Role.LIAISON)
    at = _now(at)
    with transaction.atomic():
        version = _locked_version(agreement, VersionStatus.SIGNATURE)
        if version is None or version.number != 1:
            raise TransitionRefused("Only an original agreement out for signature is recalled.")
        if version.signatures.exists():
            raise TransitionRefused("A party has signed already; it cannot be recalled.")
        _move_version(version, to=VersionStatus.DRAFT, text="", sha256="", rendered_at=None)
        _move(agreement, to=Status.DRAFT, at=at)
        audit_record(actor=actor, action="agreement.recalled", target=agreement)


# --- signatures and acceptance --------------------------------------------------------------


def _party_of(actor: User, version: AgreementVersion) -> str:
    if version.sea_signer_id == actor.pk:
        return Signature.Party.SEA
    if version.organization_signer_id == actor.pk:
        return Signature.Party.ORGANIZATION
    raise PermissionDenied


def agreement_sign(
    *,
    actor: User,
    version: AgreementVersion,
    typed_name: str,
    attest: bool,
    at: datetime | None = None,
) -> Signature:
    """A party's authorized signer signs the stored text; the second signature puts it in force."""
    at = _now(at)
    party = _party_of(actor, version)
    _check_typed(typed_name, actor, attest)
    with transaction.atomic():
        version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
        agreement = Agreement.objects.select_for_update().get(pk=version.agreement_id)
        if version.status != VersionStatus.SIGNATURE:
            raise TransitionRefused("This version is not out for signature.")
        if version.is_amendment and agreement.status not in (Status.ACTIVE, Status.EXPIRING):
            raise TransitionRefused("This agreement has ended; its amendment cannot be signed.")
        problems = signing_problems(version)
        if problems:
            raise ValidationError(problems)
        if documents.sha256_of(version.text) != version.sha256:
            raise ValidationError("The stored text does not match its hash; nobody can sign it.")
        if version.signatures.filter(party=party).exists():
            raise TransitionRefused("This party has signed this version already.")
        number, sha = version.number, version.sha256
        signature = Signature.objects.create(
            version=version,
            party=party,
            signer=actor,
            typed_name=typed_name.strip(),
            attestation=SIGNATURE_ATTESTATION.format(
                party=Signature.Party(party).label.lower(), number=number, sha=sha
            ),
            version_sha256=sha,
            signed_at=at,
        )
        audit_record(
            actor=actor,
            action="agreement.signed",
            target=agreement,
            summary={"version": number, "party": party, "sha256": sha},
        )
        if version.signatures.count() == len(Signature.Party.values):
            _put_in_force(agreement, version, at)
    return signature


def _previous_effective(agreement: Agreement) -> AgreementVersion | None:
    return agreement.versions.filter(status=VersionStatus.EFFECTIVE).first()


def _put_in_force(agreement: Agreement, version: AgreementVersion, at: datetime) -> None:
    previous = _previous_effective(agreement)
    if previous is not None:
        _move_version(previous, to=VersionStatus.SUPERSEDED, superseded_at=at)
    _move_version(version, to=VersionStatus.EFFECTIVE, effective_at=at)
    if agreement.status == Status.SIGNATURE:
        _move(agreement, to=Status.ACTIVE, at=at, activated_at=at)
    elif agreement.status == Status.EXPIRING and _days_left(version, at) > REMINDER_DAYS[0]:
        _move(agreement, to=Status.ACTIVE, at=at)  # extended past the reminders
    people = [person.user for person in version.people.select_related("user")]
    must_accept = [
        user
        for user in people
        if not Acceptance.objects.filter(
            version__agreement=agreement,
            user=user,
            obligations_sha256=version.obligations_sha256,
        ).exists()
    ]
    notify(
        agreement,
        must_accept,
        "accept the agreement",
        f"Both parties signed version {version.number}. Accept its terms yourself before any "
        "of its data is yours to use.",
    )


def agreement_accept(
    *,
    actor: User,
    version: AgreementVersion,
    typed_name: str,
    attest: bool,
    at: datetime | None = None,
) -> Acceptance:
    """A named researcher accepts the version in force; no one accepts for another."""
    at = _now(at)
    if not version.people.filter(user=actor).exists():
        raise PermissionDenied
    _check_typed(typed_name, actor, attest)
    with transaction.atomic():
        version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != VersionStatus.EFFECTIVE:
            raise TransitionRefused(
                "Only the version in force, signed by both parties, is accepted."
            )
        if version.agreement.status not in (Status.ACTIVE, Status.EXPIRING):
            raise TransitionRefused("This agreement is no longer in force.")
        if version.acceptances.filter(user=actor).exists():
            raise TransitionRefused("You have accepted this version already.")
        acceptance = Acceptance.objects.create(
            version=version,
            user=actor,
            typed_name=typed_name.strip(),
            version_sha256=version.sha256,
            obligations_sha256=version.obligations_sha256,
            accepted_at=at,
        )
        audit_record(
            actor=actor,
            action="agreement.accepted",
            target=version.agreement,
            summary={"version": version.number, "sha256": version.sha256},
        )
    return acceptance


# --- amendments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantSpec:
    """An element to add to an agreement (or to change), with its years and population."""

    element: Element
    first_year: int
    last_year: int
    grades: str = ""
    cohorts: str = ""
    schools_or_districts: str = ""


def _may_amend(actor: User, agreement: Agreement, version: AgreementVersion) -> bool:
    if actor.has_role(Role.LIAISON):
        return True
    return (
        actor.has_role(Role.RESEARCHER)
        and version.people.filter(user=actor, role=VersionPerson.Role.PI).exists()
    )


def _copy_version(current: AgreementVersion, *, number: int, actor: User, at: datetime):
    terms = {name: getattr(current, name) for name in TERM_FIELDS}
    version = AgreementVersion.objects.create(
        agreement_id=current.agreement_id,
        number=number,
        status=VersionStatus.PROPOSED,
        template=current.template,
        created_by=actor,
        created_at=at,
        ferpa_checklist=dict(current.ferpa_checklist),
        **terms,
    )
    Grant.objects.bulk_create(
        Grant(
            version=version,
            agency_id=grant.agency_id,
            element_id=grant.element_id,
            first_year=grant.first_year,
            last_year=grant.last_year,
            grades=grant.grades,
            cohorts=grant.cohorts,
            schools_or_districts=grant.schools_or_districts,
        )
        for grant in current.grants.all()
    )
    VersionPerson.objects.bulk_create(
        VersionPerson(version=version, user_id=person.user_id, role=person.role)
        for person in current.people.all()
    )
    return version


def _apply_grants(version: AgreementVersion, add: list[GrantSpec], remove: list[int]) -> None:
    if remove:
        version.grants.filter(element_id__in=remove).delete()
    for spec in add:
        if spec.first_year > spec.last_year:
            raise ValidationError(f"{spec.element}: the first year is after the last year.")
        Grant.objects.update_or_create(
            version=version,
            element=spec.element,
            defaults={
                "agency": spec.element.dataset.agency,
                "first_year": spec.first_year,
                "last_year": spec.last_year,
                "grades": spec.grades.strip(),
                "cohorts": spec.cohorts.strip(),
                "schools_or_districts": spec.schools_or_districts.strip(),
            },
        )


def _apply_people(
    version: AgreementVersion, add: list[tuple[User, str]], remove: list[int]
) -> None:
    if remove:
        version.people.filter(user_id__in=remove).exclude(role=VersionPerson.Role.PI).delete()
    for user, role in add:
        if role not in VersionPerson.Role.values:
            raise ValidationError(f"Unknown role {role!r}.")
        if not user.has_role(Role.RESEARCHER):
            raise ValidationError(f"{user.full_name} is not a registered researcher.")
        VersionPerson.objects.update_or_create(version=version, user=user, defaults={"role": role})


def needs_committee(previous: AgreementVersion, proposed: AgreementVersion) -> bool:
    """An amendment that adds elements of levels 3-4 (or widens their years) goes to the
    committee; any other amendment to the liaison."""
    before = {grant.element_id: grant for grant in previous.grants.all()}
    for grant in proposed.grants.select_related("element__classification"):
        if grant.element.classification.level < HIGHER_LEVEL:
            continue
        old = before.get(grant.element_id)
        if old is None or grant.first_year < old.first_year or grant.last_year > old.last_year:
            return True
    return False


def amendment_propose(
    *,
    actor: User,
    agreement: Agreement,
    reason: str,
    terms: dict[str, Any] | None = None,
    add: list[GrantSpec] | None = None,
    remove: list[int] | None = None,
    people_add: list[tuple[User, str]] | None = None,
    people_remove: list[int] | None = None,
    at: datetime | None = None,
) -> AgreementVersion:
    """Propose a new version: the terms, grants or personnel that change, and why."""
    at = _now(at)
    terms = _clean_terms(terms or {})
    if not reason.strip():
        raise ValidationError("Say why the agreement changes.")
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status not in (Status.ACTIVE, Status.EXPIRING):
            raise TransitionRefused("Only an agreement in force is amended.")
        current = _previous_effective(agreement)
        if current is None or not _may_amend(actor, agreement, current):
            raise PermissionDenied
        if _open_version(agreement) is not None:
            raise TransitionRefused("An amendment of this agreement is open already.")
        number = agreement.versions.order_by("-number").values_list("number", flat=True)[0] + 1
        version = _copy_version(current, number=number, actor=actor, at=at)
        for name, value in terms.items():
            setattr(version, name, value)
        version.reason = reason.strip()
        version.save()
        _apply_grants(version, add or [], remove or [])
        _apply_people(version, people_add or [], people_remove or [])
        difference = version_difference(current, version)
        if difference.empty:
            raise ValidationError("The amendment changes nothing.")
        problems = signing_problems(version)
        if problems:
            raise ValidationError(problems)
        # The liaison approves, but never their own proposal: theirs go to the committee.
        version.approval_by = (
            AgreementVersion.Approval.COMMITTEE
            if needs_committee(current, version) or actor.has_role(Role.LIAISON)
            else AgreementVersion.Approval.LIAISON
        )
        version.save(update_fields=["approval_by"])
        _render(version, at)
        audit_record(
            actor=actor,
            action="agreement.amendment_proposed",
            target=agreement,
            summary={
                "version": number,
                "approval_by": version.approval_by,
                "added": len(difference.grants_added),
                "removed": len(difference.grants_removed),
            },
        )
        approvers = (
            role_holders(Role.CHAIR, Role.COMMITTEE)
            if version.approval_by == AgreementVersion.Approval.COMMITTEE
            else [agreement.project.liaison]
        )
        notify(agreement, approvers, "an amendment to approve", version.reason)
    return version


def amendment_recusal(version: AgreementVersion, user: Any) -> str:
    """Why this person may not vote on, or decide, a committee amendment; empty when they may.
    A member who declared a conflict of interest on the agreement's request is recused, and so
    is whoever proposed the amendment, requested the data, or is named on the agreement."""
    agreement = version.agreement
    if version.created_by_id == user.pk:
        return "You proposed this amendment; you do not vote on or decide it."
    if user.pk in recused_ids(agreement.data_request):
        return "You declared a conflict of interest on this agreement's request and are recused."
    named = VersionPerson.objects.filter(version__agreement=agreement, user=user).exists()
    if named or agreement.data_request.created_by_id == user.pk:
        return "You are on this agreement's project team and are recused."
    if version.organization_signer_id == user.pk:
        return "You sign this agreement for the research organization and are recused."
    return ""


def amendment_tally(version: AgreementVersion) -> Tally:
    """The committee's votes on an amendment, of members not recused, against its rules."""
    votes = version.votes.select_related("reviewer__committee_profile")
    recused = {vote.reviewer_id for vote in votes if amendment_recusal(version, vote.reviewer)}
    return tally_of(votes, recused=recused)


def amendment_vote(
    *,
    actor: User,
    version: AgreementVersion,
    vote: str,
    rationale: str,
    at: datetime | None = None,
) -> AmendmentVote:
    """A committee member votes approve or deny, with a rationale, on an amendment that the
    committee approves; no one recused votes, and each member votes once."""
    at = _now(at)
    _require_role(actor, Role.COMMITTEE)
    if version.approval_by != AgreementVersion.Approval.COMMITTEE:
        raise TransitionRefused("The liaison approves this amendment; the committee does not vote.")
    recusal = amendment_recusal(version, actor)
    if recusal:
        raise PermissionDenied(recusal)
    problems = []
    if vote not in AmendmentVote.Choice.values:
        problems.append("Vote approve or deny.")
    if not rationale.strip():
        problems.append("Give the rationale for your vote.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
        agreement = version.agreement
        if version.status != VersionStatus.PROPOSED:
            raise TransitionRefused("This amendment is not awaiting approval.")
        try:
            with transaction.atomic():
                cast = AmendmentVote.objects.create(
                    version=version,
                    reviewer=actor,
                    vote=vote,
                    rationale=rationale.strip(),
                    voted_at=at,
                )
        except IntegrityError as error:
            raise ValidationError("You have already voted on this amendment.") from error
        audit_record(
            actor=actor,
            action="agreement.amendment_voted",
            target=agreement,
            summary={"version": version.number, "vote": vote},
        )
        tally = amendment_tally(version)
        if tally.votes == tally.rules.quorum:
            notify(
                agreement,
                role_holders(Role.CHAIR),
                "an amendment the committee has a quorum on",
                f"Amendment {version.number} has the committee's quorum; record the decision.",
            )
    return cast


def amendment_decision_problems(
    version: AgreementVersion, *, actor: User, approve: bool, note: str
) -> list[str]:
    """Why the chair may not record the committee's decision on this amendment now; empty when
    they may. The same rules as a request's decision: quorum, the minimum votes for the outcome,
    an approval from outside the research office, and a rationale."""
    problems = []
    recusal = amendment_recusal(version, actor)
    if recusal:
        problems.append(recusal)
    tally = amendment_tally(version)
    problems += committee_rule_problems(tally, Vote.APPROVE if approve else Vote.DENY)
    if not note.strip():
        problems.append("Give the rationale of the decision.")
    return problems


def amendment_approve(
    *,
    actor: User,
    version: AgreementVersion,
    approve: bool = True,
    note: str = "",
    at: datetime | None = None,
) -> AgreementVersion:
    """The liaison approves an amendment; or, when it adds elements of levels 3-4 (or the
    liaison proposed it), the chair records the committee's decision once the members' votes
    meet the committee's rules. The proposer never approves their own."""
    at = _now(at)
    committee = version.approval_by == AgreementVersion.Approval.COMMITTEE
    _require_role(actor, Role.CHAIR if committee else Role.LIAISON)
    if version.created_by_id == actor.pk:
        raise PermissionDenied("The person who proposed an amendment does not approve it.")
    if not approve and not note.strip():
        raise ValidationError("Say why the amendment is not approved.")
    with transaction.atomic():
        version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
        agreement = version.agreement
        if version.status != VersionStatus.PROPOSED:
            raise TransitionRefused("This amendment is not awaiting approval.")
        summary: dict[str, Any] = {"version": version.number, "approval_by": version.approval_by}
        if committee:
            problems = amendment_decision_problems(version, actor=actor, approve=approve, note=note)
            if problems:
                raise ValidationError(problems)
            summary["votes"] = amendment_tally(version).counts
        to = VersionStatus.SIGNATURE if approve else VersionStatus.REJECTED
        _move_version(version, to=to, approved_by=actor, approved_at=at, approval_note=note.strip())
        audit_record(
            actor=actor,
            action="agreement.amendment_approved" if approve else "agreement.amendment_rejected",
            target=agreement,
            summary=summary,
        )
        if approve:
            notify(
                agreement,
                [version.sea_signer, version.organization_signer],
                "an amendment to sign",
                f"Amendment {version.number} is approved and waits for your signature.",
            )
    return version


@dataclass(frozen=True)
class Difference:
    """What an amendment changes: terms (label, before, after), grants and people."""

    terms: list[tuple[str, str, str]]
    grants_added: list[Grant]
    grants_removed: list[Grant]
    grants_changed: list[tuple[Grant, Grant]]
    people_added: list[VersionPerson]
    people_removed: list[VersionPerson]
    obligations_changed: bool

    @property
    def empty(self) -> bool:
        return not (
            self.terms
            or self.grants_added
            or self.grants_removed
            or self.grants_changed
            or self.people_added
            or self.people_removed
        )


def _shown(version: AgreementVersion, name: str) -> str:
    value = getattr(version, name)
    display = getattr(version, f"get_{name}_display", None)
    if display is not None:
        return display()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Model):
        return str(value)
    return "" if value is None else str(value)


def version_difference(before: AgreementVersion, after: AgreementVersion) -> Difference:
    terms = [
        (AgreementVersion._meta.get_field(name).verbose_name.capitalize(), old, new)
        for name in TERM_FIELDS
        if (old := _shown(before, name)) != (new := _shown(after, name))
    ]
    related = ("agency", "element__dataset", "element__classification")
    old_grants = {g.element_id: g for g in before.grants.select_related(*related)}
    new_grants = {g.element_id: g for g in after.grants.select_related(*related)}
    old_people = {p.user_id: p for p in before.people.select_related("user")}
    new_people = {p.user_id: p for p in after.people.select_related("user")}
    return Difference(
        terms=terms,
        grants_added=[g for key, g in new_grants.items() if key not in old_grants],
        grants_removed=[g for key, g in old_grants.items() if key not in new_grants],
        grants_changed=[
            (old_grants[key], g)
            for key, g in new_grants.items()
            if key in old_grants and _grant_scope(old_grants[key]) != _grant_scope(g)
        ],
        people_added=[p for key, p in new_people.items() if key not in old_people],
        people_removed=[p for key, p in old_people.items() if key not in new_people],
        obligations_changed=obligations_sha256(before) != obligations_sha256(after),
    )


def _grant_scope(grant: Grant) -> tuple:
    return (
        grant.first_year,
        grant.last_year,
        grant.grades,
        grant.cohorts,
        grant.schools_or_districts,
    )


# --- the lifecycle: the daily job -----------------------------------------------------------


def _days_left(version: AgreementVersion, at: datetime) -> int:
    return (version.ends_on - timezone.localdate(at)).days


@dataclass
class DailyReport:
    expiring: int = 0
    expired: int = 0
    reminded: int = 0
    escalated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "expiring": self.expiring,
            "expired": self.expired,
            "reminded": self.reminded,
            "escalated": self.escalated,
        }


def agreements_daily(*, actor: Any = None, at: datetime | None = None) -> DailyReport:
    """End agreements past their end date (and access with them), move those within 90 days to
    expiring, send the 90-, 30- and 7-day reminders once, and escalate overdue closeouts."""
    at = _now(at)
    report = DailyReport()
    in_force = Agreement.objects.filter(status__in=[Status.ACTIVE, Status.EXPIRING])
    for agreement in in_force.select_related("project"):
        version = _previous_effective(agreement)
        if version is None:
            continue
        left = _days_left(version, at)
        if left < 0:
            _expire(agreement, version, actor=actor, at=at)
            report.expired += 1
            continue
        if left <= REMINDER_DAYS[0] and agreement.status == Status.ACTIVE:
            _mark_expiring(agreement, actor=actor, at=at, days_left=left)
            report.expiring += 1
        report.reminded += _remind(agreement, version, actor=actor, at=at, days_left=left)
    overdue = Agreement.objects.filter(
        status=Status.EXPIRED,
        certificate__isnull=True,
        escalated_at__isnull=True,
        closeout_due_on__lt=timezone.localdate(at),
    )
    for agreement in overdue.select_related("project"):
        _escalate(agreement, actor=actor, at=at)
        report.escalated += 1
    return report


def _team(version: AgreementVersion) -> list[User]:
    return [person.user for person in version.people.select_related("user")]


def _expire(agreement: Agreement, version: AgreementVersion, *, actor: Any, at: datetime):
    due = version.ends_on + timedelta(days=version.disposition_days)
    with transaction.atomic():
        _move(agreement, to=Status.EXPIRED, at=at, ended_at=at, closeout_due_on=due)
        audit_record(
            actor=actor,
            action="agreement.expired",
            target=agreement,
            summary={"ended_on": f"{version.ends_on:%Y-%m-%d}", "closeout_due": f"{due:%Y-%m-%d}"},
        )
        notify(
            agreement,
            [*_team(version), agreement.project.liaison],
            "expired: access has ended",
            f"The agreement ended on {version.ends_on:%Y-%m-%d} and access to its data has "
            f"ended. The principal investigator signs the certificate of "
            f"{version.get_disposition_display().lower()} by {due:%Y-%m-%d}.",
        )


def _mark_expiring(agreement: Agreement, *, actor: Any, at: datetime, days_left: int) -> None:
    with transaction.atomic():
        _move(agreement, to=Status.EXPIRING, at=at)
        audit_record(
            actor=actor,
            action="agreement.expiring",
            target=agreement,
            summary={"days_left": days_left},
        )


def _remind(
    agreement: Agreement, version: AgreementVersion, *, actor: Any, at: datetime, days_left: int
) -> int:
    """Send the reminder of the nearest threshold crossed, once per end date."""
    crossed = [days for days in REMINDER_DAYS if days_left <= days]
    if not crossed:
        return 0
    days = min(crossed)
    key = f"expiry-{days}-{version.ends_on:%Y-%m-%d}"
    with transaction.atomic():
        _, created = Notice.objects.get_or_create(
            agreement=agreement,
            key=key,
            defaults={"kind": Notice.Kind.EXPIRY, "days_before": days, "sent_at": at},
        )
        if not created:
            return 0
        audit_record(
            actor=actor,
            action="agreement.reminded",
            target=agreement,
            summary={"days_before": days, "ends_on": f"{version.ends_on:%Y-%m-%d}"},
        )
        notify(
            agreement,
            [*_team(version), agreement.project.liaison],
            f"ends in {days_left} days",
            f"The agreement ends on {version.ends_on:%Y-%m-%d}, and access with it. To continue, "
            "propose an amendment that extends the term before that day.",
        )
    return 1


def _escalate(agreement: Agreement, *, actor: Any, at: datetime) -> None:
    with transaction.atomic():
        updated = Agreement.objects.filter(pk=agreement.pk, escalated_at__isnull=True).update(
            escalated_at=at
        )
        if updated != 1:
            return
        agreement.escalated_at = at
        Notice.objects.create(
            agreement=agreement,
            kind=Notice.Kind.CLOSEOUT_OVERDUE,
            key=f"closeout-overdue-{agreement.closeout_due_on:%Y-%m-%d}",
            sent_at=at,
        )
        audit_record(
            actor=actor,
            action="agreement.closeout_escalated",
            target=agreement,
            summary={"closeout_due": f"{agreement.closeout_due_on:%Y-%m-%d}"},
        )
        notify(
            agreement,
            privacy_officers(),
            "closeout overdue",
            f"No certificate of destruction or return was signed by "
            f"{agreement.closeout_due_on:%Y-%m-%d}.",
        )


# --- closeout -------------------------------------------------------------------------------


def certificate_sign(
    *,
    actor: User,
    agreement: Agreement,
    method: str,
    completed_on: date,
    description: str,
    typed_name: str,
    attest: bool,
    at: datetime | None = None,
) -> DispositionCertificate:
    """The PI certifies that the data was destroyed or returned; the agreement closes."""
    at = _now(at)
    version = (
        agreement.versions.filter(status__in=[VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED])
        .order_by("-number")
        .first()
    )
    if (
        version is None
        or not version.people.filter(user=actor, role=VersionPerson.Role.PI).exists()
    ):
        raise PermissionDenied
    problems = []
    if method not in AgreementVersion.Disposition.values:
        problems.append("Choose destroyed or returned.")
    elif method != version.disposition:
        required = DONE[version.disposition] if version.disposition else "disposed of"
        problems.append(f"The agreement requires that the data be {required}.")
    if not description.strip():
        problems.append("Describe what was destroyed or returned, where and how.")
    if completed_on > timezone.localdate(at):
        problems.append("The date of destruction or return cannot be in the future.")
    if problems:
        raise ValidationError(problems)
    _check_typed(typed_name, actor, attest)
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status != Status.EXPIRED:
            raise TransitionRefused("A certificate is signed once the agreement has ended.")
        done = DONE[method]
        certificate = DispositionCertificate.objects.create(
            agreement=agreement,
            method=method,
            completed_on=completed_on,
            description=description.strip(),
            signer=actor,
            typed_name=typed_name.strip(),
            attestation=CERTIFICATE_ATTESTATION.format(method=done),
            signed_at=at,
        )
        _move(agreement, to=Status.CLOSED, at=at, closed_at=at)
        audit_record(
            actor=actor,
            action="agreement.closed",
            target=agreement,
            summary={
                "method": method,
                "on_time": bool(
                    agreement.closeout_due_on
                    and timezone.localdate(at) <= agreement.closeout_due_on
                ),
            },
        )
        notify(
            agreement,
            [agreement.project.liaison, *privacy_officers()],
            "closed",
            f"{actor.full_name} certified that the data was {done}.",
        )
    return certificate
