"""The JSON API under /api/. Every route requires a token or a session unless marked public.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from datetime import date
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import paginate

from steward.accounts.selectors import tokens_visible_to
from steward.accounts.services import api_token_create, api_token_revoke
from steward.api.auth import ApiTokenAuth, SessionAuthWithMfa
from steward.api.schemas import (
    AuditEntryOut,
    ErrorOut,
    JobOut,
    MeOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from steward.core.jobs import job_create
from steward.core.selectors import audit_entries_visible_to, jobs_visible_to

api = NinjaAPI(
    title="Steward API",
    version="1",
    description="Research partnerships between a state education agency and researchers.",
    auth=[ApiTokenAuth(), SessionAuthWithMfa()],
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, message: str, code: str, **extra) -> HttpResponse:
    return api.create_response(request, {"message": message, "code": code, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "A valid API token is required.", "unauthorized")


@api.exception_handler(ValidationError)
def on_invalid(request, exc):
    return _error(request, 422, "The request is not valid.", "invalid", errors=exc.errors)


@api.exception_handler(DjangoValidationError)
def on_refused(request, exc):
    return _error(request, 400, " ".join(exc.messages), "refused")


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}
    return _error(request, exc.status_code, str(exc), codes.get(exc.status_code, "error"))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "Not found.", "not_found")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, 403, "You do not have permission to do this.", "forbidden")


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@api.get("/me", response=MeOut, tags=["accounts"])
def me(request):
    user = request.auth
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        organization=user.organization.code if user.organization else None,
        steward_agency=user.steward_agency.code if user.steward_agency else None,
        roles=[str(role) for role in user.roles],
        mfa_enabled=user.has_mfa,
    )


@api.get("/tokens", response=list[TokenOut], tags=["accounts"])
def tokens_list(request):
    return list(tokens_visible_to(request.auth))


@api.post("/tokens", response={201: TokenCreatedOut}, tags=["accounts"])
def tokens_create(request, payload: TokenIn):
    token, plaintext = api_token_create(actor=request.auth, name=payload.name, days=payload.days)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": plaintext})


@api.delete("/tokens/{token_id}", response={204: None}, tags=["accounts"])
def tokens_revoke(request, token_id: int):
    token = get_object_or_404(tokens_visible_to(request.auth), pk=token_id)
    api_token_revoke(actor=request.auth, token=token)
    return Status(204, None)


@api.get("/jobs", response=list[JobOut], tags=["jobs"])
@paginate
def jobs_list(request):
    return jobs_visible_to(request.auth)


@api.get("/jobs/{job_id}", response=JobOut, tags=["jobs"])
def jobs_detail(request, job_id: UUID):
    return get_object_or_404(jobs_visible_to(request.auth), pk=job_id)


class AuditFilter(Schema):
    action: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None


@api.get("/audit", response=list[AuditEntryOut], tags=["audit"])
@paginate
def audit_list(request, filters: Query[AuditFilter]):
    _require(request, "core.view_audit_log")
    return audit_entries_visible_to(request.auth, **filters.dict())


@api.post("/audit/verify", response={202: JobOut, 403: ErrorOut}, tags=["audit"])
def audit_verify(request):
    _require(request, "core.verify_audit_chain")
    return Status(202, job_create(actor=request.auth, kind="audit.verify"))


api.add_router("/catalog", "steward.api.catalog.router")

api.add_router("/", "steward.api.agenda.router")

api.add_router("/requests", "steward.api.access.router")

api.add_router("/linkage", "steward.api.linkage.router")

api.add_router("/agreements", "steward.api.agreements.router")

api.add_router("/outputs", "steward.api.outputs.router")

api.add_router("/extracts", "steward.api.extracts.router")
