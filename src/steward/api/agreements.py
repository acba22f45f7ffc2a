"""API routes of data sharing agreements: the agreements a person can see, their versions and
grants, signing and accepting, and the caller's own grants for a project (what the rest of the
product asks before it lets data out). Every write calls the same service as the pages.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from steward.agenda.models import Project
from steward.agreements import selectors, services
from steward.agreements.enforcement import agreement_grants
from steward.agreements.models import Agreement, AgreementVersion

router = Router(tags=["agreements"])


def _require(request, perm: str) -> None:
    if not request.auth.has_perm(perm):
        raise PermissionDenied


def _visible(request, agreement_id: int) -> Agreement:
    agreement = selectors.agreement_detail_for(request.auth, agreement_id)
    if agreement is None:
        raise HttpError(404, "Not found.")
    return agreement


def _conflicts(call):
    try:
        return call()
    except services.StaleAgreement as error:
        raise HttpError(409, " ".join(error.messages)) from error


class AgreementOut(Schema):
    id: int
    reference: str
    status: str
    project: str
    research_organization: str
    request_id: int


class GrantOut(Schema):
    agency: str
    dataset: str
    element: str
    classification: int
    first_year: int
    last_year: int
    grades: str
    cohorts: str
    schools_or_districts: str


class VersionOut(Schema):
    number: int
    status: str
    sha256: str
    starts_on: date | None
    ends_on: date | None
    matching_authorized: bool
    disposition: str
    disposition_days: int
    effective_at: datetime | None
    grants: list[GrantOut]
    personnel: list[str]
    signed_by: list[str]


class AgreementDetailOut(AgreementOut):
    versions: list[VersionOut]


class TypedIn(Schema):
    typed_name: str
    attest: bool


class SignatureOut(Schema):
    party: str
    version: int
    version_sha256: str
    signed_at: datetime


class AcceptanceOut(Schema):
    version: int
    version_sha256: str
    accepted_at: datetime


class GrantsOut(Schema):
    project: int
    at: datetime
    agreements: list[str]
    matching_allowed: bool
    grants: list[GrantOut]


def _agreement_out(agreement: Agreement) -> dict:
    return {
        "id": agreement.pk,
        "reference": agreement.reference,
        "status": agreement.status,
        "project": agreement.project.title,
        "research_organization": agreement.research_organization.name,
        "request_id": agreement.data_request_id,
    }


def _version_out(version: AgreementVersion) -> dict:
    return {
        "number": version.number,
        "status": version.status,
        "sha256": version.sha256,
        "starts_on": version.starts_on,
        "ends_on": version.ends_on,
        "matching_authorized": version.matching_authorized,
        "disposition": version.disposition,
        "disposition_days": version.disposition_days,
        "effective_at": version.effective_at,
        "grants": [
            {
                "agency": grant.agency.code,
                "dataset": grant.element.dataset.code,
                "element": grant.element.name,
                "classification": grant.element.classification.level,
                "first_year": grant.first_year,
                "last_year": grant.last_year,
                "grades": grant.grades,
                "cohorts": grant.cohorts,
                "schools_or_districts": grant.schools_or_districts,
            }
            for grant in version.grants.all()
        ],
        "personnel": [f"{p.user.email} ({p.role})" for p in version.people.all()],
        "signed_by": [signature.party for signature in version.signatures.all()],
    }


@router.get("", response=list[AgreementOut])
def agreements_list(request):
    return [_agreement_out(agreement) for agreement in selectors.agreement_list_for(request.auth)]


@router.get("/{agreement_id}", response=AgreementDetailOut)
def agreements_detail(request, agreement_id: int):
    agreement = _visible(request, agreement_id)
    versions = [_version_out(version) for version in agreement.versions.all()]
    return {**_agreement_out(agreement), "versions": versions}


def _version(agreement: Agreement, number: int) -> AgreementVersion:
    version = selectors.version_of(agreement, number)
    if version is None:
        raise HttpError(404, "Not found.")
    return version


@router.post("/{agreement_id}/versions/{number}/sign", response=SignatureOut)
def agreements_sign(request, agreement_id: int, number: int, payload: TypedIn):
    _require(request, "agreements.sign")
    version = _version(_visible(request, agreement_id), number)
    signature = _conflicts(
        lambda: services.agreement_sign(
            actor=request.auth,
            version=version,
            typed_name=payload.typed_name,
            attest=payload.attest,
        )
    )
    return {
        "party": signature.party,
        "version": number,
        "version_sha256": signature.version_sha256,
        "signed_at": signature.signed_at,
    }


@router.post("/{agreement_id}/versions/{number}/accept", response=AcceptanceOut)
def agreements_accept(request, agreement_id: int, number: int, payload: TypedIn):
    _require(request, "agreements.accept")
    version = _version(_visible(request, agreement_id), number)
    acceptance = _conflicts(
        lambda: services.agreement_accept(
            actor=request.auth,
            version=version,
            typed_name=payload.typed_name,
            attest=payload.attest,
        )
    )
    return {
        "version": number,
        "version_sha256": acceptance.version_sha256,
        "accepted_at": acceptance.accepted_at,
    }


@router.get("/grants/{project_id}", response=GrantsOut)
def agreements_grants(request, project_id: int):
    """What the caller may access for this project now: empty unless an agreement lets them."""
    from django.utils import timezone

    project = get_object_or_404(Project, pk=project_id)
    at = timezone.now()
    grants = agreement_grants(request.auth, project, at)
    return {
        "project": project.pk,
        "at": at,
        "agreements": list(grants.agreements),
        "matching_allowed": grants.matching_allowed,
        "grants": [
            {
                "agency": item.agency,
                "dataset": item.dataset,
                "element": item.element,
                "classification": item.classification,
                "first_year": item.first_year,
                "last_year": item.last_year,
                "grades": item.grades,
                "cohorts": item.cohorts,
                "schools_or_districts": item.schools_or_districts,
            }
            for item in grants.items
        ],
    }
