"""Pages of disclosure control: the public rules, the privacy officer's rules, protecting a
table, and the ledger of releases."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core.access import public, requires
from steward.core.pagecache import cached_public_page
from steward.core.uploads import InMemoryUpload
from steward.outputs.forms import MAX_UPLOAD_BYTES, TOO_LARGE, ProtectForm, ReleaseForm, RuleSetForm
from steward.outputs.models import RULE_FIELDS, ProtectedTable
from steward.outputs.selectors import (
    agencies,
    hidden_reasons,
    protected_tables_of,
    published_rules,
    release_list_visible_to,
    releases_visible_to,
    rule_set_current,
    rule_set_history,
    rules_in_effect,
)
from steward.outputs.services import (
    release_record,
    release_verify,
    rule_set_update,
    table_protect_lost,
    table_protect_start,
)
from steward.outputs.tables import certificate_sha256, published_csv

# Rows of a protected or released table shown per page (a state table has over 100,000).
ROWS_PER_PAGE = 250


@public
@require_GET
@cached_public_page
def public_rules(request: HttpRequest) -> HttpResponse:
    return render(request, "outputs/public_rules.html", {"published": published_rules()})


@requires("outputs.manage_rules")
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    scopes = [("state", "State default", None), *((a.code, a.name, a) for a in agencies())]
    rows = [
        {"scope": code, "name": name, "history": list(rule_set_history(agency))}
        for code, name, agency in scopes
    ]
    return render(request, "outputs/rules.html", {"rows": rows})


def _scope_or_404(scope: str):
    if scope == "state":
        return None
    agency = agencies().filter(code=scope).first()
    if agency is None:
        raise Http404
    return agency


@requires("outputs.manage_rules")
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest, scope: str) -> HttpResponse:
    agency = _scope_or_404(scope)
    current = rule_set_current(agency)
    start = {n: getattr(current, n) for n in RULE_FIELDS} if current else None
    start = start or rules_in_effect([]).rules.to_dict()
    form = RuleSetForm(request.POST or None, initial=start)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        note = data.pop("note")
        try:
            rule_set = rule_set_update(actor=request.user, agency=agency, values=data, note=note)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved as {rule_set}.")
            return redirect("outputs:rules")
    context = {"form": form, "agency": agency, "current": current}
    return render(
        request,
        "outputs/rules_edit.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@requires("outputs.protect_table")
@csrf_exempt  # the upload handler is set before the body is read; _protect checks the token
@require_http_methods(["GET", "POST"])
def protect(request: HttpRequest) -> HttpResponse:
    # The uploaded counts stay in memory: never a temporary file on disk.
    handler = InMemoryUpload(request, MAX_UPLOAD_BYTES)
    request.upload_handlers = [handler]
    return _protect(request, handler)


@csrf_protect
def _protect(request: HttpRequest, handler: InMemoryUpload) -> HttpResponse:
    initial = {"agencies": agencies().filter(agency_kind="sea")}
    form = ProtectForm(request.POST or None, request.FILES or None, initial=initial)
    valid = request.method == "POST" and form.is_valid()
    if request.method == "POST" and handler.too_large:
        form.errors.pop("file", None)
        form.add_error("file", TOO_LARGE)
        valid = False
    if valid:
        upload = form.cleaned_data["file"]
        try:
            table = table_protect_start(
                actor=request.user,
                data=upload.read(),
                name=upload.name,
                dims=form.cleaned_data["dims"],
                count=form.cleaned_data["count"],
                denominator=form.cleaned_data["denominator"],
                agencies=list(form.cleaned_data["agencies"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("outputs:protected", pk=table.pk)
    listed = protected_tables_of(request.user).defer("published", "certificate", "sealed")
    context = {"form": form, "tables": listed[:20]}
    status = 400 if request.method == "POST" else 200
    return render(request, "outputs/protect.html", context, status=status)


def _own_table_or_404(request: HttpRequest, pk: int) -> ProtectedTable:
    return get_object_or_404(protected_tables_of(request.user), pk=pk)


@requires("outputs.protect_table")
@require_GET
def protected(request: HttpRequest, pk: int) -> HttpResponse:
    if request.headers.get("HX-Request"):  # the protection's progress, polled: no table
        own = protected_tables_of(request.user).defer("published", "certificate", "sealed")
        table = get_object_or_404(own.select_related("job"), pk=pk)
        if table_protect_lost(table) or table.status != ProtectedTable.Status.PROTECTING:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"  # done: load the whole page
        else:
            response = render(request, "outputs/_protect_progress.html", {"table": table})
    else:
        table = _own_table_or_404(request, pk)
        table_protect_lost(table)
        response = _protected_page(request, table, ReleaseForm())
    patch_vary_headers(response, ["HX-Request"])
    return response


def _protected_page(request, table: ProtectedTable, form: ReleaseForm, status: int = 200):
    if not table.ready:  # being protected, or could not be: nothing to show but that
        return render(request, "outputs/protected.html", {"table": table}, status=status)
    reasons = hidden_reasons(table)
    page = Paginator(table.published["rows"], ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {**row, "reason": reasons.get(i, "")}
        for i, row in enumerate(page.object_list, start=page.start_index() - 1)
    ]
    context = {
        "table": table,
        "rows": rows,
        "page": page,
        "columns": table.published["columns"],
        "rule_sets": list(table.rule_sets.select_related("agency")),
        "agencies": list(table.agencies.all()),
        "form": form,
        "may_release": request.user.has_perm("outputs.record_release"),
        "releases": list(table.releases.all()),
    }
    return render(request, "outputs/protected.html", context, status=status)


@requires("outputs.protect_table")
@require_GET
def protected_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The protected table only: the uploaded counts are never offered for download."""
    table = _own_table_or_404(request, pk)
    if not table.ready:
        raise Http404
    text = published_csv(table.published["columns"], table.published["rows"])
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="protected-{table.pk}.csv"'
    return response


@requires("outputs.record_release")
@require_POST
def release_create(request: HttpRequest, pk: int) -> HttpResponse:
    table = _own_table_or_404(request, pk)
    if not table.ready:
        messages.error(request, "This table has not been protected; it cannot be released.")
        return redirect("outputs:protected", pk=table.pk)
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            release = release_record(
                actor=request.user,
                protected_table=table,
                title=form.cleaned_data["title"],
                population=form.cleaned_data["population"],
                source=form.cleaned_data["source"],
                project=form.cleaned_data["project"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Recorded in the ledger as release {release.pk}.")
            return redirect("outputs:release", pk=release.pk)
    return _protected_page(request, table, form, status=400)


@requires("outputs.view_releases")
@require_GET
def releases(request: HttpRequest) -> HttpResponse:
    listed = _release_listed(request)
    return render(request, "outputs/releases.html", {"releases": listed})


@requires("outputs.view_releases")
@require_GET
def release(request: HttpRequest, pk: int) -> HttpResponse:
    if request.headers.get("HX-Request"):  # the verification's progress, polled: no table
        found = get_object_or_404(_release_listed(request), pk=pk)
        response = render(request, "outputs/_release_verification.html", {"release": found})
        patch_vary_headers(response, ["HX-Request"])  # the back button gets the whole page
        return response
    found = get_object_or_404(releases_visible_to(request.user).select_related("verify_job"), pk=pk)
    page = Paginator(found.published["rows"], ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "release": found,
        "columns": found.published["columns"],
        "rows": page.object_list,
        "page": page,
        # Checked at every view; the full audit runs when verification is asked for.
        "certificate_altered": certificate_sha256(found.certificate) != found.certificate_sha256,
        "certificate": found.certificate,
    }
    response = render(request, "outputs/release.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _release_listed(request: HttpRequest):
    # Without the released table and its certificate, which a state table makes megabytes.
    return release_list_visible_to(request.user).select_related("verify_job")


@requires("outputs.view_releases")
@require_POST
def release_verify_again(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(_release_listed(request), pk=pk)
    try:
        release_verify(actor=request.user, release=found)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if found.verify_job is not None and found.verifying:
            messages.info(request, "The certificate is being verified; this page shows the result.")
    return redirect("outputs:release", pk=found.pk)
