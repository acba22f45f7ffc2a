"""The data stewards' linkage pages: runs side by side, starting a run, a run's diagnostics,
and the review of pairs near the threshold."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core.access import requires
from steward.linkage.charts import run_figures
from steward.linkage.forms import DecisionForm, RunStartForm
from steward.linkage.models import LinkageRun
from steward.linkage.selectors import (
    current_crosswalks,
    measured_precision,
    partner_agencies_for,
    review_pair_find,
    review_pairs_of,
    runs_visible_to,
)
from steward.linkage.services import (
    crosswalk_accept,
    linkage_run_start,
    pair_decide,
    pair_records_view,
)


@requires("linkage.view_runs")
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    to_agency = request.GET.get("to", "").strip()
    visible = list(runs_visible_to(request.user, to_agency=to_agency))
    for run in visible:
        run.precision = measured_precision(run)
    current = {c.run_id for c in current_crosswalks()}
    context = {
        "runs": visible,
        "current": current,
        "to_agency": to_agency,
        "may_start": bool(partner_agencies_for(request.user)),
    }
    return render(request, "linkage/runs.html", context)


@requires("linkage.start_run")
@require_http_methods(["GET", "POST"])
def run_start(request: HttpRequest) -> HttpResponse:
    agencies = partner_agencies_for(request.user)
    form = RunStartForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            job = linkage_run_start(
                actor=request.user,
                from_agency="sea",
                to_agency=form.cleaned_data["to_agency"],
                mode=form.cleaned_data["mode"],
                review_band=form.cleaned_data["review_band"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The linkage run has started; this page shows how far.")
            return redirect("core:job", job_id=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "linkage/start.html", {"form": form}, status=status)


def _run_or_404(request: HttpRequest, run_id: int) -> LinkageRun:
    run = get_object_or_404(runs_visible_to(request.user), pk=run_id)
    if not request.user.has_perm("linkage.view_run", run):
        raise Http404
    return run


@requires("linkage.view_runs")
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_or_404(request, run_id)
    context = {
        "run": run,
        "precision": measured_precision(run),
        "figures": run_figures(run) if run.status == LinkageRun.Status.SUCCEEDED else [],
        "pairs": review_pairs_of(run),
        "is_current": current_crosswalks().filter(run=run).exists(),
        "may_review": request.user.has_perm("linkage.review_pair", run),
        "may_accept": request.user.has_perm("linkage.accept_run", run)
        and run.status == LinkageRun.Status.SUCCEEDED,
        "inputs": run.input_versions.select_related("dataset").order_by("dataset", "year"),
    }
    return render(request, "linkage/run.html", context)


@requires("linkage.view_runs")
@require_POST
def run_accept(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_or_404(request, run_id)
    try:
        crosswalk_accept(actor=request.user, run=run)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "This run's crosswalk is now the current one.")
    return redirect("linkage:run", run_id=run.pk)


@requires("linkage.view_runs")
@require_http_methods(["GET", "POST"])
def pair_review(request: HttpRequest, run_id: int, position: int) -> HttpResponse:
    pair = review_pair_find(request.user, run_id, position)
    if pair is None:
        raise Http404
    if not request.user.has_perm("linkage.review_pair", pair.run):
        raise PermissionDenied
    form = DecisionForm(request.POST or None, initial={"decision": pair.decision or None})
    if request.method == "POST":
        if form.is_valid():
            try:
                pair_decide(actor=request.user, pair=pair, decision=form.cleaned_data["decision"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Decision kept; the next run applies it.")
                following = pair.run.review_pairs.filter(
                    position__gt=pair.position, decision=""
                ).first()
                if following is not None:
                    return redirect("linkage:pair", run_id=run_id, position=following.position)
                return redirect("linkage:run", run_id=run_id)
        context = {"pair": pair, "form": form, "records": None}
        return render(request, "linkage/pair.html", context, status=400)
    records = pair_records_view(actor=request.user, pair=pair)
    return render(request, "linkage/pair.html", {"pair": pair, "form": form, "records": records})
