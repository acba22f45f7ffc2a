"""Pages of extracts: the list, an extract with its files, risk and downloads, the privacy
officer's decision and tracing of a leaked file, signed download links, the codebook and the
workspace."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.agreements.selectors import agreement_detail_for
from steward.core.access import requires
from steward.core.uploads import InMemoryUpload
from steward.extracts import selectors, services
from steward.extracts.models import Extract, WorkspaceQuery


def _extract(request: HttpRequest, pk: int) -> Extract:
    extract = selectors.extract_for(request.user, pk)
    if extract is None:
        raise Http404
    return extract


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@requires("extracts.view_extracts")
@require_GET
def extract_list(request: HttpRequest) -> HttpResponse:
    extracts = selectors.extracts_visible_to(request.user)
    return render(request, "extracts/list.html", {"extracts": extracts})


@requires("extracts.build")
@require_POST
def extract_build(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_detail_for(request.user, pk)
    if agreement is None:
        raise Http404
    formats = request.POST.getlist("formats") or list(services.DEFAULT_FORMATS)
    try:
        extract = services.extract_build(actor=request.user, agreement=agreement, formats=formats)
    except ValidationError as error:
        _errors(request, error)
        return redirect("agreements:detail", pk=agreement.pk)
    messages.success(request, f"{extract.reference} is being built.")
    return redirect("extracts:detail", pk=extract.pk)


@requires("extracts.view_extracts")
@require_GET
def extract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    extract = _extract(request, pk)
    grants = services.recipient_grants(request.user, extract)
    context = {
        "extract": extract,
        "files": extract.files.all(),
        "downloads": selectors.downloads_of(extract, request.user)[:50],
        "may_receive": bool(grants) and extract.status == Extract.Status.READY,
        "may_decide": services.is_privacy_officer(request.user)
        and extract.status == Extract.Status.RISK_REVIEW,
        "sees_risk": services.is_privacy_officer(request.user)
        or extract.project.liaison_id == request.user.pk,
        "may_trace": services.is_privacy_officer(request.user),
        "job": extract.job,
    }
    return render(request, "extracts/detail.html", context)


@requires("extracts.decide_risk")
@require_POST
def extract_decide(request: HttpRequest, pk: int) -> HttpResponse:
    extract = _extract(request, pk)
    try:
        services.extract_risk_decide(
            actor=request.user,
            extract=extract,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        _errors(request, error)
        return render(
            request,
            "extracts/detail.html",
            {
                "extract": extract,
                "files": extract.files.all(),
                "may_decide": True,
                "sees_risk": True,
            },
            status=400,
        )
    return redirect("extracts:detail", pk=extract.pk)


def _codebook_file(request: HttpRequest, pk: int, name: str) -> Path:
    extract = _extract(request, pk)
    path = (
        Path(settings.DATA_DIR) / "extracts" / extract.project_folder / extract.folder_name / name
    )
    if not path.is_file():
        raise Http404
    return path


@requires("extracts.view_extracts")
@require_GET
def extract_codebook(request: HttpRequest, pk: int) -> HttpResponse:
    path = _codebook_file(request, pk, "codebook.html")
    return HttpResponse(path.read_text(encoding="utf-8"), content_type="text/html; charset=utf-8")


@requires("extracts.view_extracts")
@require_GET
def extract_datapackage(request: HttpRequest, pk: int) -> HttpResponse:
    path = _codebook_file(request, pk, "datapackage.json")
    return HttpResponse(path.read_bytes(), content_type="application/json")


@requires("extracts.receive")
@require_POST
def download_link(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    extract = _extract(request, pk)
    extract_file = get_object_or_404(extract.files, pk=file_pk)
    try:
        token = services.download_link(
            actor=request.user, extract_file=extract_file, fmt=request.POST.get("format", "")
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect("extracts:detail", pk=extract.pk)
    return redirect("extracts:download", token=token)


@requires("extracts.receive")
@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.read_link(token)
    except ValidationError as error:
        return render(request, "extracts/link_invalid.html", {"error": error}, status=410)
    if link.get("u") != request.user.pk:
        raise Http404  # a link is for the person it was made for
    extract_file = get_object_or_404(
        services.ExtractFile.objects.select_related("extract__project", "extract__agreement"),
        pk=link["f"],
    )
    try:
        delivered = services.extract_download(
            actor=request.user, extract_file=extract_file, fmt=link["x"]
        )
    except PermissionDenied as error:
        return render(request, "extracts/link_invalid.html", {"error": error}, status=403)
    response = FileResponse(
        io.BytesIO(delivered.data),
        as_attachment=True,
        filename=delivered.filename,
        content_type=delivered.media_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@requires("extracts.receive")
@require_http_methods(["GET", "POST"])
def workspace(request: HttpRequest, pk: int) -> HttpResponse:
    extract = _extract(request, pk)
    if not services.recipient_grants(request.user, extract):
        raise PermissionDenied
    query, status = None, 200
    if request.method == "POST":
        try:
            query = services.workspace_query(
                actor=request.user, extract=extract, sql=request.POST.get("sql", "")
            )
        except ValidationError as error:
            _errors(request, error)
            status = 400
    context = {
        "extract": extract,
        "files": extract.files.filter(destroyed_at__isnull=True),
        "query": query,
        "sql": request.POST.get("sql", ""),
        "history": selectors.queries_of(extract, request.user),
    }
    return render(request, "extracts/workspace.html", context, status=status)


@requires("extracts.receive")
@require_POST
def workspace_submit(request: HttpRequest, pk: int, query_pk: int) -> HttpResponse:
    extract = _extract(request, pk)
    query = get_object_or_404(WorkspaceQuery, pk=query_pk, extract=extract, user=request.user)
    try:
        output = services.workspace_result_submit(
            actor=request.user,
            query=query,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            population=request.POST.get("population", ""),
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect("extracts:workspace", pk=extract.pk)
    messages.success(request, "Sent to output review.")
    return redirect("outputs:output", pk=output.pk)


@requires("extracts.decide_risk")
@csrf_exempt  # the upload handler is set before the body is read; _trace checks the token
@require_http_methods(["GET", "POST"])
def extract_trace(request: HttpRequest, pk: int) -> HttpResponse:
    handler = InMemoryUpload(request, services.trace_max_bytes())
    request.upload_handlers = [handler]
    return _trace(request, pk, handler)


@csrf_protect
def _trace(request: HttpRequest, pk: int, handler: InMemoryUpload) -> HttpResponse:
    extract = _extract(request, pk)
    context: dict = {"extract": extract, "limit_mb": services.trace_max_bytes() // (1024 * 1024)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("leaked")
        try:
            if handler.too_large:
                limit = context["limit_mb"]
                raise ValidationError(f"The file is larger than the {limit} MB limit.")
            if upload is None:
                raise ValidationError("Choose the leaked file to trace.")
            context["trace"] = services.extract_trace_upload(
                actor=request.user, extract=extract, data=upload.read(), filename=upload.name
            )
        except ValidationError as error:
            context["errors"] = error.messages
            status = 400
        finally:
            if upload is not None:
                upload.close()
    return render(request, "extracts/trace.html", context, status=status)
