"""Reads of agreements, already filtered to what each person may see, and what is computed from
them: the version that governs, what waits for whom, training alerts, closeouts and the public
register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from steward.access.models import TrainingCompletion
from steward.accounts.roles import Role
from steward.agreements.models import (
    PUBLIC,
    Acceptance,
    Agreement,
    AgreementVersion,
    Grant,
    Signature,
    Status,
    VersionPerson,
    VersionStatus,
)

SEE_ALL = frozenset({Role.LIAISON, Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER, Role.CHAIR})
SIGNED = (VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED)


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def agreements_visible_to(user: Any) -> QuerySet[Agreement]:
    """The research office, privacy and security officers and the chair see every agreement; a
    data steward those granting their agency's data; a researcher those naming them; a signer
    those they sign; a committee member those with an amendment the committee votes on."""
    if not _signed_in(user) or not user.has_perm("agreements.view_agreements"):
        return Agreement.objects.none()
    if user.role_names & SEE_ALL:
        return Agreement.objects.all()
    condition = (
        Q(versions__people__user=user)
        | Q(versions__sea_signer=user)
        | Q(versions__organization_signer=user)
        | Q(data_request__created_by=user)
    )
    if Role.STEWARD in user.role_names and user.steward_agency_id:
        condition |= Q(versions__grants__agency_id=user.steward_agency_id)
    if Role.COMMITTEE in user.role_names:
        condition |= Q(versions__approval_by=AgreementVersion.Approval.COMMITTEE)
    matching = Agreement.objects.filter(condition).values("pk")
    return Agreement.objects.filter(pk__in=matching)


def agreement_list_for(user: Any) -> QuerySet[Agreement]:
    return (
        agreements_visible_to(user)
        .select_related("project", "research_organization", "data_request")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=AgreementVersion.objects.order_by("number").only(
                    "pk", "agreement_id", "number", "status", "starts_on", "ends_on"
                ),
            )
        )
        .order_by("-created_at", "-pk")
    )


def agreement_detail_for(user: Any, pk: int) -> Agreement | None:
    related = ("agency", "element__dataset", "element__classification")
    versions = AgreementVersion.objects.select_related(
        "point_of_contact", "sea_signer", "organization_signer", "approved_by", "created_by"
    ).prefetch_related(
        Prefetch("grants", queryset=Grant.objects.select_related(*related)),
        Prefetch("people", queryset=VersionPerson.objects.select_related("user")),
        Prefetch("signatures", queryset=Signature.objects.select_related("signer")),
        Prefetch("acceptances", queryset=Acceptance.objects.select_related("user")),
    )
    return (
        agreements_visible_to(user)
        .select_related("project__liaison", "research_organization", "data_request")
        .prefetch_related(Prefetch("versions", queryset=versions.order_by("number")))
        .filter(pk=pk)
        .first()
    )


def governing_version(agreement: Agreement) -> AgreementVersion | None:
    """The version in effect, or the last one that was (for ended agreements)."""
    signed = [version for version in agreement.versions.all() if version.status in SIGNED]
    return max(signed, key=lambda version: version.number) if signed else None


def open_version(agreement: Agreement) -> AgreementVersion | None:
    for version in agreement.versions.all():
        if version.status in (
            VersionStatus.DRAFT,
            VersionStatus.PROPOSED,
            VersionStatus.SIGNATURE,
        ):
            return version
    return None


def version_of(agreement: Agreement, number: int) -> AgreementVersion | None:
    for version in agreement.versions.all():
        if version.number == number:
            return version
    return None


def has_accepted(version: AgreementVersion, user: Any) -> bool:
    return Acceptance.objects.filter(
        version__agreement_id=version.agreement_id,
        user=user,
        obligations_sha256=version.obligations_sha256,
    ).exists()


@dataclass(frozen=True)
class PersonStanding:
    person: VersionPerson
    accepted_at: datetime | None
    training_until: datetime | None

    @property
    def training_ok(self) -> bool:
        return self.training_until is not None and self.training_until > timezone.now()

    @property
    def training_soon(self) -> bool:
        return self.training_ok and self.training_until <= timezone.now() + timedelta(days=45)


def people_standing(version: AgreementVersion) -> list[PersonStanding]:
    """Each named researcher: whether they accepted the obligations in force, and their training."""
    people = list(version.people.all())
    users = [person.user_id for person in people]
    accepted: dict[int, datetime] = {}
    for user_id, at in Acceptance.objects.filter(
        version__agreement_id=version.agreement_id,
        user_id__in=users,
        obligations_sha256=version.obligations_sha256,
    ).values_list("user_id", "accepted_at"):
        accepted[user_id] = min(at, accepted.get(user_id, at))
    trained: dict[int, datetime] = {}
    for user_id, until in TrainingCompletion.objects.filter(
        user_id__in=users, expires_at__gt=timezone.now()
    ).values_list("user_id", "expires_at"):
        trained[user_id] = max(until, trained.get(user_id, until))
    return [
        PersonStanding(person, accepted.get(person.user_id), trained.get(person.user_id))
        for person in people
    ]


@dataclass(frozen=True)
class Waiting:
    agreement: Agreement
    version: AgreementVersion
    action: str


def waiting_for(user: Any) -> list[Waiting]:
    """Signatures, acceptances, approvals and certificates that wait for this person."""
    if not _signed_in(user):
        return []
    versions = AgreementVersion.objects.select_related("agreement__project")
    found = []
    to_sign = versions.filter(status=VersionStatus.SIGNATURE).filter(
        Q(sea_signer=user) | Q(organization_signer=user)
    )
    for version in to_sign.prefetch_related("signatures"):
        signed = {signature.signer_id for signature in version.signatures.all()}
        if user.pk not in signed:
            found.append(Waiting(version.agreement, version, "Sign"))
    to_accept = versions.filter(
        status=VersionStatus.EFFECTIVE,
        people__user=user,
        agreement__status__in=[Status.ACTIVE, Status.EXPIRING],
    )
    for version in to_accept:
        if not has_accepted(version, user):
            found.append(Waiting(version.agreement, version, "Accept"))
    approvals = Q()
    if user.has_role(Role.LIAISON):
        approvals |= Q(approval_by=AgreementVersion.Approval.LIAISON)
    if user.has_role(Role.CHAIR):
        approvals |= Q(approval_by=AgreementVersion.Approval.COMMITTEE)
    if approvals:
        proposed = versions.filter(approvals, status=VersionStatus.PROPOSED).exclude(
            created_by=user
        )
        found += [
            Waiting(version.agreement, version, "Approve the amendment") for version in proposed
        ]
    if user.has_role(Role.COMMITTEE):
        from steward.agreements.services import amendment_recusal

        to_vote = (
            versions.filter(
                status=VersionStatus.PROPOSED, approval_by=AgreementVersion.Approval.COMMITTEE
            )
            .exclude(votes__reviewer=user)
            .select_related("agreement__data_request")
        )
        found += [
            Waiting(version.agreement, version, "Vote on the amendment")
            for version in to_vote
            if not amendment_recusal(version, user)
        ]
    certify = versions.filter(
        status__in=SIGNED,
        people__user=user,
        people__role=VersionPerson.Role.PI,
        agreement__status=Status.EXPIRED,
    )
    seen = set()
    for version in certify.order_by("-number"):
        if version.agreement_id not in seen:
            seen.add(version.agreement_id)
            found.append(Waiting(version.agreement, version, "Sign the closeout certificate"))
    return found


@dataclass(frozen=True)
class Closeout:
    agreement: Agreement
    due_on: date | None
    overdue: bool


def closeouts(at: datetime | None = None) -> list[Closeout]:
    """Ended agreements still waiting for their certificate, the overdue ones first."""
    today = timezone.localdate(at or timezone.now())
    pending = (
        Agreement.objects.filter(status=Status.EXPIRED, certificate__isnull=True)
        .select_related("project", "research_organization")
        .order_by("closeout_due_on", "pk")
    )
    rows = [
        Closeout(
            agreement,
            agreement.closeout_due_on,
            bool(agreement.closeout_due_on and agreement.closeout_due_on < today),
        )
        for agreement in pending
    ]
    return sorted(rows, key=lambda row: (not row.overdue, row.due_on or today))


# --- the public register --------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    reference: str
    status: str
    parties: list[str]
    project: str
    purpose: str
    categories: list[str]
    starts_on: date | None
    ends_on: date | None
    disposition: str


# What the PI's certificate attests: "the certificate of destruction", not "of destroy".
CERTIFICATE_OF = {
    AgreementVersion.Disposition.DESTROY: "destruction",
    AgreementVersion.Disposition.RETURN: "return to the agency",
}


def _disposition_status(agreement: Agreement, version: AgreementVersion, today: date) -> str:
    method = version.get_disposition_display().lower() if version.disposition else "disposition"
    certificate = getattr(agreement, "certificate", None)
    if certificate is not None:
        return f"Data {certificate.done}; certified {certificate.signed_at:%Y-%m-%d}"
    if agreement.status in (Status.ACTIVE, Status.EXPIRING):
        return f"In use; {method} due {version.disposition_days} days after the end"
    if agreement.closeout_due_on and agreement.closeout_due_on < today:
        return f"Certificate overdue since {agreement.closeout_due_on:%Y-%m-%d}"
    due = f" by {agreement.closeout_due_on:%Y-%m-%d}" if agreement.closeout_due_on else ""
    certificate_of = CERTIFICATE_OF.get(version.disposition, "destruction or return")
    return f"Awaiting the certificate of {certificate_of}{due}"


def public_register() -> list[RegisterRow]:
    """Active and past agreements for the public: parties, purpose, data categories, term and
    disposition status. Organizations only; no person is named."""
    versions = AgreementVersion.objects.filter(status__in=SIGNED).prefetch_related(
        Prefetch("grants", queryset=Grant.objects.select_related("agency", "element__dataset"))
    )
    agreements = (
        Agreement.objects.filter(status__in=PUBLIC)
        .select_related("project", "research_organization", "certificate")
        .prefetch_related(Prefetch("versions", queryset=versions))
        .order_by("-activated_at", "-pk")
    )
    today = timezone.localdate()
    rows = []
    for agreement in agreements:
        version = governing_version(agreement)
        if version is None:
            continue
        grants = list(version.grants.all())
        agencies = sorted({grant.agency.name for grant in grants})
        categories = sorted(
            {f"{grant.agency.name}: {grant.element.dataset.name}" for grant in grants}
        )
        rows.append(
            RegisterRow(
                reference=agreement.reference,
                status=agreement.get_status_display(),
                parties=[*agencies, agreement.research_organization.name],
                project=agreement.project.title,
                purpose=version.purpose,
                categories=categories,
                starts_on=version.starts_on,
                ends_on=version.ends_on,
                disposition=_disposition_status(agreement, version, today),
            )
        )
    return rows
