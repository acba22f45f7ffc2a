"""Pages of output review, reports and findings: the team submits, the checkers decide, the
SEA builds protected reports, and findings go through review to the public portal."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core.access import public, requires
from steward.core.pagecache import cached_public_page
from steward.core.uploads import InMemoryUpload
from steward.outputs import findings_services, review_services
from steward.outputs.findings_documents import finding_pdf
from steward.outputs.findings_selectors import (
    finding_table_downloadable,
    findings_visible_to,
    public_finding,
    published_findings,
)
from steward.outputs.findings_services import publication_blockers
from steward.outputs.forms import MAX_UPLOAD_BYTES
from steward.outputs.models import Finding, Output, ReportRun, UseInvitation
from steward.outputs.report_services import (
    INLINE_CELLS,
    report_of_run,
    report_run_downloaded,
    report_start,
    report_years,
)
from steward.outputs.reports import (
    GROUPS,
    ReportError,
    ReportSpec,
    chart_points,
    chart_svg_uri,
    report_xlsx,
)
from steward.outputs.reports import report_csv as report_csv_text
from steward.outputs.review_forms import (
    DecisionForm,
    FindingForm,
    InvitationForm,
    OutputForm,
    ReportForm,
    UseReportForm,
    WithdrawForm,
)
from steward.outputs.review_selectors import (
    checker_slot,
    ledger_preview,
    output_cells,
    output_columns,
    outputs_to_check_by,
    outputs_visible_to,
    project_history,
)
from steward.outputs.tables import published_csv

PER_PAGE = 50

# Output review --------------------------------------------------------------------------------


@requires("outputs.view_outputs")
@require_GET
def outputs(request: HttpRequest) -> HttpResponse:
    listed = outputs_visible_to(request.user).prefetch_related("agencies")[:PER_PAGE]
    context = {"outputs": listed, "to_check": outputs_to_check_by(request.user)}
    return render(request, "outputs/review/list.html", context)


@requires("outputs.submit_output")
@csrf_exempt  # the upload handler is set before the body is read; _output_new checks the token
@require_http_methods(["GET", "POST"])
def output_new(request: HttpRequest) -> HttpResponse:
    # The submitted table stays in memory: never a temporary file on disk.
    handler = InMemoryUpload(request, MAX_UPLOAD_BYTES)
    request.upload_handlers = [handler]
    return _output_new(request, handler)


@csrf_protect
def _output_new(request: HttpRequest, handler: InMemoryUpload) -> HttpResponse:
    previous = None
    if request.GET.get("previous", "").isdigit():
        previous = outputs_visible_to(request.user).filter(pk=request.GET["previous"]).first()
    initial = {}
    if previous is not None:
        initial = {
            "project": previous.project_id,
            "kind": previous.kind,
            "title": previous.title,
            "description": previous.description,
            "population": previous.population,
            "data_version": previous.data_version,
            "dims": ",".join(previous.dims),
            "count": previous.count_column,
            "denominator": previous.denominator_column,
            "agencies": list(previous.agencies.all()),
        }
    form = OutputForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user
    )
    valid = request.method == "POST" and form.is_valid()
    if request.method == "POST" and handler.too_large:
        form.errors.pop("file", None)
        form.add_error("file", "The file is larger than 5 MB.")
        valid = False
    if valid:
        data, upload = form.cleaned_data, form.cleaned_data["file"]
        try:
            output = review_services.output_submit(
                actor=request.user,
                project=data["project"],
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                population=data["population"],
                data_version=data["data_version"],
                data=upload.read(),
                filename=upload.name,
                agencies=list(data["agencies"]),
                dims=data["dims"],
                count=data["count"],
                denominator=data["denominator"],
                residual_dof=data["residual_dof"],
                previous=previous,
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return redirect("outputs:output", pk=output.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "outputs/review/new.html", {"form": form, "previous": previous}, status=status
    )


def _visible_output(request: HttpRequest, pk: int) -> Output:
    return get_object_or_404(outputs_visible_to(request.user), pk=pk)


def _output_page(request, output: Output, form=None, status: int = 200) -> HttpResponse:
    slot, why_not = checker_slot(request.user, output)
    context = {
        "output": output,
        "columns": output_columns(output),
        "cells": output_cells(output),
        "checks": list(output.checks.select_related("checker", "agency")),
        "history": project_history(output),
        "ledger": ledger_preview(output) if output.status == Output.Status.IN_REVIEW else None,
        "slot": slot,
        "why_not": why_not,
        "form": form or DecisionForm(),
        "withdraw_form": WithdrawForm(),
        "may_withdraw": output.status == Output.Status.IN_REVIEW
        and request.user.pk in (output.submitted_by_id, output.project.pi_id),
        "may_resubmit": output.status in review_services.RESUBMITTABLE
        and request.user.has_perm("outputs.submit_output")
        and not output.resubmissions.exists(),
    }
    return render(request, "outputs/review/output.html", context, status=status)


@requires("outputs.view_outputs")
@require_GET
def output(request: HttpRequest, pk: int) -> HttpResponse:
    return _output_page(request, _visible_output(request, pk))


@requires("outputs.view_outputs")
@require_POST
def output_decide(request: HttpRequest, pk: int) -> HttpResponse:
    found = _visible_output(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            review_services.output_decide(
                actor=request.user,
                output=found,
                decision=form.cleaned_data["decision"],
                reasons=form.cleaned_data["reasons"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your decision is recorded.")
            return redirect("outputs:output", pk=found.pk)
    return _output_page(request, found, form, status=400)


@requires("outputs.view_outputs")
@require_POST
def output_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    found = _visible_output(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the output is withdrawn.")
        return redirect("outputs:output", pk=found.pk)
    try:
        review_services.output_withdraw(
            actor=request.user, output=found, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The output is withdrawn.")
    return redirect("outputs:output", pk=found.pk)


# Reports ----------------------------------------------------------------------------------------


def _report_spec(form: ReportForm) -> ReportSpec:
    data = form.cleaned_data
    return ReportSpec(
        measure=data["measure"],
        places=tuple(data["places"]),
        group=data["group"],
        first_year=data["first_year"],
        last_year=data["last_year"],
        district=data["district"].strip(),
    )


def _report_context(built, chart: str = "") -> dict:
    rows = [{**row, "reason": built.reasons.get(i, "")} for i, row in enumerate(built.rows)]
    return {"report": built, "rows": rows, "chart": chart}


def _chart(built) -> str:
    spec = built.spec
    label = (spec.places or (spec.group,))[0] if spec.places or spec.group else ""
    return chart_svg_uri(
        chart_points(built), GROUPS.get(label, label.capitalize()), built.measure.label
    )


@requires("outputs.build_reports")
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    years = report_years()
    initial = {
        "measure": "enrollment",
        "places": ["district"],
        "first_year": years[0] if years else 2020,
        "last_year": years[-1] if years else 2024,
    }
    form = ReportForm(request.GET or None, initial=initial)
    context = {"form": form, "report": None, "rows": [], "chart": "", "error": ""}
    if request.GET and form.is_valid():
        try:
            started = report_start(actor=request.user, spec=_report_spec(form))
        except ReportError as problem:
            context["error"] = str(problem)
        else:
            if isinstance(started, ReportRun):
                return redirect("outputs:report_run", pk=started.pk)
            context.update(_report_context(started, _chart(started)))
    context.update(years=years, query=request.GET.urlencode(), inline_cells=INLINE_CELLS)
    status = 400 if context["error"] else 200
    return render(request, "outputs/reports/report.html", context, status=status)


@requires("outputs.build_reports")
@require_GET
def report_download(request: HttpRequest) -> HttpResponse:
    """The protected table only, rebuilt from the same specification."""
    form = ReportForm(request.GET)
    if not form.is_valid():
        raise Http404
    try:
        built = report_start(actor=request.user, spec=_report_spec(form))
    except ReportError:
        raise Http404 from None
    if isinstance(built, ReportRun):  # too large to protect now: its page follows the job
        return redirect("outputs:report_run", pk=built.pk)
    return _xlsx_response(built) if request.path.endswith(".xlsx") else _csv_response(built)


def _csv_response(built) -> HttpResponse:
    response = HttpResponse(report_csv_text(built), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{built.spec.measure}.csv"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(built) -> HttpResponse:
    response = HttpResponse(report_xlsx(built), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="report-{built.spec.measure}.xlsx"'
    return response


def _own_run(request: HttpRequest, pk: int) -> ReportRun:
    return get_object_or_404(
        ReportRun.objects.select_related("job").filter(created_by=request.user), pk=pk
    )


@requires("outputs.build_reports")
@require_GET
def report_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A large report's page: the job's progress while it builds, then the protected table."""
    run = _own_run(request, pk)
    if request.headers.get("HX-Request"):
        if run.status != ReportRun.Status.BUILDING:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"  # the table is ready: load the whole page
            return response
        return render(request, "outputs/reports/_run_progress.html", {"run": run})
    context = {"run": run, "query": urlencode(run.spec), "error": run.error}
    if run.status == ReportRun.Status.READY:
        built = report_of_run(run)
        context.update(_report_context(built, _chart(built)))
    return render(request, "outputs/reports/run.html", context)


@requires("outputs.build_reports")
@require_GET
def report_run_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored protected table of a large report, as CSV."""
    run = _own_run(request, pk)
    if run.status != ReportRun.Status.READY:
        raise Http404
    built = report_of_run(run)
    excel = request.path.endswith(".xlsx")
    report_run_downloaded(run, actor=request.user, file_format="xlsx" if excel else "csv")
    return _xlsx_response(built) if excel else _csv_response(built)


# Findings: the workspace ------------------------------------------------------------------------


@requires("outputs.work_on_findings")
@require_GET
def findings_workspace(request: HttpRequest) -> HttpResponse:
    listed = findings_visible_to(request.user).order_by("-created_at", "-pk")[:PER_PAGE]
    return render(request, "outputs/findings/workspace.html", {"findings": listed})


@requires("outputs.submit_output")
@require_http_methods(["GET", "POST"])
def finding_new(request: HttpRequest) -> HttpResponse:
    form = FindingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        project = data["project"]
        try:
            finding = findings_services.finding_create(
                actor=request.user,
                project=project,
                title=data["title"],
                summary=data["summary"],
                implications=data["implications"],
                limits=data["limits"],
                full_report=data["full_report"],
                outputs=list(data["outputs"]),
                answers=[(q, form.extent) for q in data["answers"]],
                plan=project.plans.order_by("-version").first(),
                agreement=project.agreements.order_by("-created_at").first(),
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            return redirect("outputs:finding_workspace", pk=finding.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outputs/findings/new.html", {"form": form}, status=status)


def _workspace_finding(request: HttpRequest, pk: int) -> Finding:
    return get_object_or_404(findings_visible_to(request.user), pk=pk)


@requires("outputs.work_on_findings")
@require_GET
def finding_workspace(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _workspace_finding(request, pk)
    context = {
        "finding": finding,
        "blockers": publication_blockers(finding),
        "outputs": finding.outputs.select_related("release"),
        "answers": finding.answers.select_related("question"),
        "invitations": finding.invitations.all(),
        "invitation_form": InvitationForm(),
        "is_team": request.user.pk == finding.project.pi_id
        or finding.project.team.filter(pk=request.user.pk).exists(),
        "is_liaison": request.user.pk == finding.project.liaison_id,
        "is_pi": request.user.pk == finding.project.pi_id,
    }
    return render(request, "outputs/findings/finding_workspace.html", context)


def _finding_action(request: HttpRequest, pk: int, act, done: str) -> HttpResponse:
    finding = _workspace_finding(request, pk)
    try:
        act(finding)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("outputs:finding_workspace", pk=finding.pk)


@requires("outputs.work_on_findings")
@require_POST
def finding_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _finding_action(
        request,
        pk,
        lambda f: findings_services.finding_submit_for_review(actor=request.user, finding=f),
        "The review period has begun.",
    )


@requires("outputs.work_on_findings")
@require_POST
def finding_clear(request: HttpRequest, pk: int) -> HttpResponse:
    party = request.POST.get("party", "")
    return _finding_action(
        request,
        pk,
        lambda f: findings_services.finding_clear(actor=request.user, finding=f, party=party),
        "Cleared for publication.",
    )


@requires("outputs.work_on_findings")
@require_POST
def finding_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _finding_action(
        request,
        pk,
        lambda f: findings_services.finding_publish(actor=request.user, finding=f),
        "Published on the portal.",
    )


@requires("portal.record_research_use")
@require_POST
def finding_invite(request: HttpRequest, pk: int) -> HttpResponse:
    form = InvitationForm(request.POST)
    name = form.cleaned_data["district_name"] if form.is_valid() else ""
    return _finding_action(
        request,
        pk,
        lambda f: findings_services.use_invitation_create(
            actor=request.user, finding=f, district_name=name
        ),
        "The form link is ready to send.",
    )


# Findings: the public ---------------------------------------------------------------------------


@public
@require_GET
@cached_public_page
def findings(request: HttpRequest) -> HttpResponse:
    return render(request, "outputs/findings/list.html", {"findings": published_findings()[:100]})


def _public_finding_or_404(pk: int) -> Finding:
    try:
        return public_finding(pk)
    except Finding.DoesNotExist:
        raise Http404 from None


@public
@require_GET
@cached_public_page
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    found = _public_finding_or_404(pk)
    tables = []
    for out in found.outputs.all():
        release = out.release
        points = [
            {"label": r["codes"][0], "value": float(r["value"])}
            for r in release.published["rows"]
            if not r["suppressed"]
            and r["codes"][0] != "Total"
            and all(c == "Total" for c in r["codes"][1:])
            and r["value"].replace(".", "", 1).isdigit()
        ]
        chart = ""
        if out.kind == Output.Kind.FIGURE:
            chart = chart_svg_uri(points, release.dims[0] if release.dims else "", "students")
        tables.append({"output": out, "release": release, "chart": chart})
    context = {"finding": found, "tables": tables, "uses": found.research_uses.all()}
    return render(request, "outputs/findings/finding.html", context)


@public
@require_GET
def finding_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    found = _public_finding_or_404(pk)
    page = request.build_absolute_uri(reverse("outputs:finding", args=[found.pk]))
    response = HttpResponse(finding_pdf(found, page), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="finding-{found.pk}.pdf"'
    return response


@public
@require_GET
def finding_table(request: HttpRequest, pk: int, release_id: int) -> HttpResponse:
    """A released table of a published finding, as released: protected cells only."""
    found = _public_finding_or_404(pk)
    try:
        out = finding_table_downloadable(found, release_id)
    except Output.DoesNotExist:
        raise Http404 from None
    text = published_csv(out.release.published["columns"], out.release.published["rows"])
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="finding-{found.pk}-table-{release_id}.csv"'
    )
    return response


@public
@require_http_methods(["GET", "POST"])
def use_report(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(
        UseInvitation.objects.select_related("finding", "finding__project"),
        token=token,
        finding__status=Finding.Status.PUBLISHED,
    )
    form = UseReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            use = findings_services.finding_use_report(
                actor=request.user if request.user.is_authenticated else None,
                invitation=invitation,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(
                request,
                "Thank you: your use is in the public research-use log."
                if use is not None
                else "Thank you: the research office will add your use to the public log.",
            )
            response = redirect("outputs:finding", pk=invitation.finding_id)
            response.status_code = 303
            return response
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "invitation": invitation}
    return render(request, "outputs/findings/use_report.html", context, status=status)
