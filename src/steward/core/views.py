"""Home, jobs and the audit log."""

from __future__ import annotations

import csv
from datetime import date

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from steward.access.selectors import requests_waiting_for
from steward.core.access import public, requires
from steward.core.audit import audit_record
from steward.core.jobs import job_create
from steward.core.pagecache import cached_public_page
from steward.core.selectors import audit_entries_visible_to, jobs_visible_to


@public
@require_GET
@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"waiting": requests_waiting_for(request.user)})


@requires("core.list_jobs")
@require_GET
def jobs(request: HttpRequest) -> HttpResponse:
    page = Paginator(jobs_visible_to(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "core/jobs.html", {"page": page})


@requires("core.list_jobs")
@require_GET
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = get_object_or_404(jobs_visible_to(request.user), pk=job_id)
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job})


AUDIT_FILTERS = ("action", "actor", "object_type", "object_id")


def _audit_filters(request: HttpRequest) -> tuple[dict, list[str]]:
    filters: dict = {key: request.GET.get(key, "").strip() for key in AUDIT_FILTERS}
    errors = []
    for key in ("since", "until"):
        raw = request.GET.get(key, "").strip()
        try:
            filters[key] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors.append(f"“{key}” must be a date like 2026-11-29.")
            filters[key] = None
    return filters, errors


@requires("core.view_audit_log")
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    filters, errors = _audit_filters(request)
    entries = audit_entries_visible_to(request.user, **filters)
    if request.GET.get("format") == "csv":
        return _audit_csv(request, entries, filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"page": page, "filters": filters, "errors": errors, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _audit_csv(request: HttpRequest, entries, filters: dict) -> StreamingHttpResponse:
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="audit_log.exported",
            object_type="core.auditentry",
            summary={key: str(value) for key, value in filters.items() if value},
        )
    writer = csv.writer(_Echo())
    header = ["seq", "created_at", "actor", "action", "object_type", "object_id", "summary"]
    header += ["prev_hash", "hash"]

    def rows():
        yield writer.writerow(header)
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    entry.seq,
                    entry.created_at.isoformat(),
                    entry.actor_label,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.summary,
                    entry.prev_hash,
                    entry.hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response


@requires("core.verify_audit_chain")
@require_POST
def audit_verify_start(request: HttpRequest) -> HttpResponse:
    job = job_create(actor=request.user, kind="audit.verify")
    return redirect("core:job", job_id=job.pk)
