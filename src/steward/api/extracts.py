"""API routes of extracts, downloads and the workspace. Every write calls the same service as
the pages; what may be downloaded or queried comes from the agreement's grants.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from ninja import Router, Schema
from ninja.errors import HttpError

from steward.agreements.selectors import agreement_detail_for
from steward.core.context import absolute_url
from steward.extracts import selectors, services
from steward.extracts.models import Extract

router = Router(tags=["extracts"])


class FileOut(Schema):
    id: int
    name: str
    rows: int
    years: list[int]
    columns: list[str]
    sha256: str
    destroyed: bool


class ExtractOut(Schema):
    id: int
    reference: str
    agreement: str
    project: str
    status: str
    rows: int
    built_at: datetime | None
    formats: list[str]
    files: list[FileOut]


class BuildIn(Schema):
    formats: list[str] = list(services.DEFAULT_FORMATS)


class LinkIn(Schema):
    format: str


class LinkOut(Schema):
    url: str
    expires_in_seconds: int


class QueryIn(Schema):
    sql: str


class QueryOut(Schema):
    id: int
    outcome: str
    reasons: list[str]
    columns: list[str]
    rows: list[list]


def _visible(request, extract_id: int) -> Extract:
    extract = selectors.extract_for(request.auth, extract_id)
    if extract is None:
        raise HttpError(404, "Not found.")
    return extract


def _out(extract: Extract) -> dict:
    return {
        "id": extract.pk,
        "reference": extract.reference,
        "agreement": extract.agreement.reference,
        "project": extract.project.title,
        "status": extract.status,
        "rows": extract.rows,
        "built_at": extract.built_at,
        "formats": extract.formats,
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "rows": f.rows,
                "years": f.years,
                "columns": f.columns,
                "sha256": f.sha256,
                "destroyed": f.destroyed_at is not None,
            }
            for f in extract.files.all()
        ],
    }


def _refusals(call):
    try:
        return call()
    except PermissionDenied as error:
        raise HttpError(403, str(error) or "Not allowed.") from error
    except ValidationError as error:
        raise HttpError(400, " ".join(error.messages)) from error


@router.get("", response=list[ExtractOut], url_name="extracts_list")
def extracts_list(request):
    if not request.auth.has_perm("extracts.view_extracts"):
        raise HttpError(403, "Not allowed.")
    extracts = selectors.extracts_visible_to(request.auth).prefetch_related("files")
    return [_out(e) for e in extracts]


@router.get("/{extract_id}", response=ExtractOut, url_name="extracts_detail")
def extracts_detail(request, extract_id: int):
    if not request.auth.has_perm("extracts.view_extracts"):
        raise HttpError(403, "Not allowed.")
    return _out(_visible(request, extract_id))


@router.post("/agreements/{agreement_id}", response=ExtractOut, url_name="extracts_build")
def extracts_build(request, agreement_id: int, payload: BuildIn):
    if not request.auth.has_perm("extracts.build"):
        raise HttpError(403, "Not allowed.")
    agreement = agreement_detail_for(request.auth, agreement_id)
    if agreement is None:
        raise HttpError(404, "Not found.")
    extract = _refusals(
        lambda: services.extract_build(
            actor=request.auth, agreement=agreement, formats=payload.formats
        )
    )
    return _out(extract)


@router.post("/{extract_id}/files/{file_id}/link", response=LinkOut, url_name="extracts_link")
def extracts_link(request, extract_id: int, file_id: int, payload: LinkIn):
    if not request.auth.has_perm("extracts.receive"):
        raise HttpError(403, "Not allowed.")
    extract = _visible(request, extract_id)
    extract_file = extract.files.filter(pk=file_id).first()
    if extract_file is None:
        raise HttpError(404, "Not found.")
    token = _refusals(
        lambda: services.download_link(
            actor=request.auth, extract_file=extract_file, fmt=payload.format
        )
    )
    url = absolute_url(reverse("extracts:download", kwargs={"token": token}))
    return {"url": url, "expires_in_seconds": services.link_seconds()}


@router.post("/{extract_id}/workspace", response=QueryOut, url_name="extracts_query")
def extracts_query(request, extract_id: int, payload: QueryIn):
    if not request.auth.has_perm("extracts.receive"):
        raise HttpError(403, "Not allowed.")
    extract = _visible(request, extract_id)
    query = _refusals(
        lambda: services.workspace_query(actor=request.auth, extract=extract, sql=payload.sql)
    )
    return {
        "id": query.pk,
        "outcome": query.outcome,
        "reasons": query.reasons,
        "columns": query.columns,
        "rows": query.rows,
    }
