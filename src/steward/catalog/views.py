"""The catalog for staff and researchers, dataset quality, uploads, and the public inventory."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from steward.catalog.forms import CatalogSearchForm, UploadForm
from steward.catalog.models import Dataset
from steward.catalog.selectors import (
    agency_codes,
    classification_levels,
    datasets_visible_to,
    elements_visible_to,
    public_inventory,
    quality_visible_to,
    versions_visible_to,
)
from steward.catalog.services import dataset_upload_start
from steward.core.access import public, requires
from steward.core.pagecache import cached_public_page
from steward.dataplane.quality import MEASURES

SEARCH_RESULTS_SHOWN = 200


@requires("catalog.browse")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    levels = classification_levels()
    form = CatalogSearchForm(request.GET or None, agencies=agency_codes(), levels=levels)
    filters = {"agency": "", "q": "", "level": None}
    if form.is_valid():
        filters.update({k: v for k, v in form.cleaned_data.items() if v not in ("", None)})
    searching = bool(filters["q"] or filters["level"] is not None)
    elements = elements_visible_to(request.user, **filters) if searching else None
    context = {
        "form": form,
        "datasets": datasets_visible_to(request.user, **filters),
        "elements": elements[:SEARCH_RESULTS_SHOWN] if elements is not None else None,
        "element_count": elements.count() if elements is not None else 0,
        "shown": SEARCH_RESULTS_SHOWN,
        "levels": levels,
        "searching": searching,
    }
    return render(request, "catalog/index.html", context)


def _dataset_or_404(request: HttpRequest, agency: str, code: str) -> Dataset:
    return get_object_or_404(datasets_visible_to(request.user), agency_code=agency, code=code)


@requires("catalog.browse")
@require_GET
def dataset_detail(request: HttpRequest, agency: str, code: str) -> HttpResponse:
    dataset = _dataset_or_404(request, agency, code)
    quality = None
    if request.user.has_perm("catalog.view_quality"):
        found = quality_visible_to(request.user, agency=agency, dataset=code)
        quality = found[0] if found else None
    context = {
        "dataset": dataset,
        "quality": quality,
        "measures": MEASURES,
        "may_upload": request.user.has_perm("catalog.ingest_dataset", dataset),
    }
    return render(request, "catalog/dataset.html", context)


@requires("catalog.ingest")
@require_http_methods(["GET", "POST"])
def dataset_upload(request: HttpRequest, agency: str, code: str) -> HttpResponse:
    dataset = _dataset_or_404(request, agency, code)
    if not request.user.has_perm("catalog.ingest_dataset", dataset):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, dataset=dataset)
    if request.method == "POST" and form.is_valid():
        try:
            job = dataset_upload_start(
                actor=request.user,
                dataset=dataset,
                year=form.cleaned_data["year"],
                received=form.cleaned_data["received"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "The file is received. It is being checked; this page shows how far."
            )
            return redirect("core:job", job_id=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/upload.html", {"dataset": dataset, "form": form}, status=status)


@requires("catalog.view_quality")
@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    agency = request.GET.get("agency", "").strip()
    context = {
        "qualities": quality_visible_to(request.user, agency=agency),
        "agencies": agency_codes(),
        "agency": agency,
        "measures": MEASURES,
    }
    return render(request, "catalog/quality.html", context)


@requires("catalog.view_quality")
@require_GET
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(versions_visible_to(request.user), pk=version_id)
    return render(request, "catalog/version.html", {"version": version, "measures": MEASURES})


@public
@require_GET
@cached_public_page
def inventory(request: HttpRequest) -> HttpResponse:
    context = {"agencies": public_inventory(), "levels": classification_levels()}
    return render(request, "catalog/inventory.html", context)
