"""Pages of data requests: drafting, screening, sign-off, review, decision, training, and the
public transparency pages. Every write goes through a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.access import selectors, services
from steward.access.forms import (
    CommitteeRulesForm,
    ConflictForm,
    DecisionForm,
    ElementForm,
    PersonForm,
    RequestForm,
    ReviewForm,
    ScreeningForm,
    SignoffForm,
    TrainingForm,
)
from steward.access.models import (
    CRITERIA,
    DataRequest,
    RequestedElement,
    RequestPerson,
    Status,
)
from steward.access.training import QUIZ
from steward.core.access import public, requires
from steward.core.pagecache import cached_public_page

LIST_SIZE = 200


def _visible(request: HttpRequest, pk: int) -> DataRequest:
    return get_object_or_404(selectors.requests_visible_to(request.user), pk=pk)


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in _errors(error):
        messages.error(request, message)


@requires("access.view_requests")
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    requests = selectors.requests_visible_to(request.user).order_by("-updated_at")[:LIST_SIZE]
    context = {
        "requests": requests,
        "waiting": selectors.requests_waiting_for(request.user),
        "may_create": request.user.has_perm("access.create_request"),
    }
    return render(request, "access/list.html", context)


@requires("access.view_requests")
@require_GET
def waiting(request: HttpRequest) -> HttpResponse:
    return render(
        request, "access/waiting.html", {"waiting": selectors.requests_waiting_for(request.user)}
    )


@requires("access.create_request")
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        title = request.POST.get("project_title", "").strip()[:300]
        data_request = services.request_create(actor=request.user, project_title=title)
        messages.success(request, f"Draft {data_request.reference} started; it saves as you go.")
        return redirect("access:edit", pk=data_request.pk)
    return render(request, "access/create.html")


@requires("access.view_requests")
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = selectors.request_detail_for(request.user, pk)
    if data_request is None:
        raise Http404
    user = request.user
    context = {
        "r": data_request,
        "risk": selectors.privacy_risk(data_request),
        "clock": selectors.request_clock(data_request),
        "diffs": selectors.version_diffs(data_request),
        "untrained": selectors.people_without_training(data_request),
        "decision": selectors.decision_of(data_request),
        "may_edit": data_request.editable and user.has_perm("access.edit_request", data_request),
        "may_screen": data_request.status in (Status.SUBMITTED, Status.SCREENING)
        and user.has_perm("access.screen"),
        "may_signoff": data_request.status == Status.SIGNOFF
        and user.has_perm("access.signoff_request", data_request),
        "may_review": data_request.status == Status.COMMITTEE and user.has_perm("access.review"),
        "may_decide": data_request.status == Status.COMMITTEE and user.has_perm("access.decide"),
        "committee_sees": user.has_perm("access.review") or user.has_perm("access.screen"),
        "tally": selectors.vote_tally(data_request)
        if data_request.status == Status.COMMITTEE or data_request.decisions.all()
        else None,
    }
    return render(request, "access/detail.html", context)


def _editable(request: HttpRequest, pk: int) -> DataRequest:
    data_request = _visible(request, pk)
    if not request.user.has_perm("access.edit_request", data_request):
        raise PermissionDenied
    return data_request


def _edit_context(data_request: DataRequest, form: RequestForm, **extra: Any) -> dict:
    return {
        "r": data_request,
        "form": form,
        "element_form": extra.pop("element_form", ElementForm()),
        "person_form": extra.pop("person_form", PersonForm()),
        "elements": data_request.elements.select_related(
            "element__dataset", "element__classification", "agency"
        ),
        "personnel": data_request.personnel.select_related("user"),
        "problems": services.request_problems(data_request),
        "screening": data_request.screenings.order_by("-version").first(),
        "decision": data_request.decisions.order_by("-version").first(),
        **extra,
    }


@requires("access.create_request")
@require_http_methods(["GET", "POST"])
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _editable(request, pk)
    form = RequestForm(
        request.POST or None, request.FILES or None, instance=data_request, user=request.user
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.request_update(
                    actor=request.user,
                    data_request=data_request,
                    fields=form.service_fields(),
                    irb_letter=form.cleaned_data.get("irb_letter_upload"),
                    agenda_questions=list(form.cleaned_data["agenda_questions"]),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Draft saved.")
                return redirect("access:edit", pk=data_request.pk)
        status = 400
        data_request.refresh_from_db()
    return render(request, "access/edit.html", _edit_context(data_request, form), status=status)


@requires("access.create_request")
@require_POST
def request_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft's text fields as the requester types (HTMX); files wait for Save."""
    data_request = _editable(request, pk)
    form = RequestForm(request.POST, instance=data_request, user=request.user)
    if not form.is_valid():
        return render(request, "access/_saved.html", {"error": True}, status=400)
    try:
        services.request_update(
            actor=request.user,
            data_request=data_request,
            fields=form.service_fields(),
            agenda_questions=list(form.cleaned_data["agenda_questions"]),
        )
    except ValidationError:
        return render(request, "access/_saved.html", {"error": True}, status=400)
    data_request.refresh_from_db()
    return render(request, "access/_saved.html", {"r": data_request})


@requires("access.create_request")
@require_POST
def element_add(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _editable(request, pk)
    form = ElementForm(request.POST)
    if form.is_valid():
        try:
            services.request_element_add(
                actor=request.user, data_request=data_request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{form.cleaned_data['element']} added.")
            return redirect("access:edit", pk=data_request.pk)
    context = _edit_context(
        data_request, RequestForm(instance=data_request, user=request.user), element_form=form
    )
    return render(request, "access/edit.html", context, status=400)


@requires("access.create_request")
@require_POST
def element_remove(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    data_request = _editable(request, pk)
    item = get_object_or_404(RequestedElement, pk=item_id, request=data_request)
    try:
        services.request_element_remove(actor=request.user, item=item)
    except ValidationError as error:
        _flash_errors(request, error)
    return redirect("access:edit", pk=data_request.pk)


@requires("access.create_request")
@require_POST
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _editable(request, pk)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            services.request_person_add(
                actor=request.user, data_request=data_request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Person named on the request.")
            return redirect("access:edit", pk=data_request.pk)
    context = _edit_context(
        data_request, RequestForm(instance=data_request, user=request.user), person_form=form
    )
    return render(request, "access/edit.html", context, status=400)


@requires("access.create_request")
@require_POST
def person_remove(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    data_request = _editable(request, pk)
    person = get_object_or_404(RequestPerson, pk=person_id, request=data_request)
    try:
        services.request_person_remove(actor=request.user, person=person)
    except ValidationError as error:
        _flash_errors(request, error)
    return redirect("access:edit", pk=data_request.pk)


@requires("access.create_request")
@require_POST
def request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _editable(request, pk)
    try:
        services.request_submit(actor=request.user, data_request=data_request)
    except ValidationError as error:
        context = _edit_context(
            data_request,
            RequestForm(instance=data_request, user=request.user),
            submit_errors=_errors(error),
        )
        return render(request, "access/edit.html", context, status=400)
    messages.success(request, "Submitted. The research office screens it next.")
    return redirect("access:detail", pk=data_request.pk)


@requires("access.view_requests")
@require_GET
def irb_letter(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _visible(request, pk)
    if not data_request.irb_letter:
        raise Http404
    return FileResponse(
        data_request.irb_letter.open("rb"), as_attachment=True, filename="irb-letter.pdf"
    )


@requires("access.screen")
@require_http_methods(["GET", "POST"])
def screen(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _visible(request, pk)
    form = ScreeningForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "start":
                services.request_screening_start(actor=request.user, data_request=data_request)
                return redirect("access:screen", pk=pk)
            if form.is_valid():
                services.request_screen(
                    actor=request.user,
                    data_request=data_request,
                    checklist=form.checklist(),
                    passed=form.cleaned_data["decision"] == "pass",
                    comments=form.cleaned_data["comments"],
                )
                messages.success(request, "Screening recorded.")
                return redirect("access:detail", pk=pk)
        except ValidationError as error:
            form.add_error(None, error)
        status = 400
    context = {"r": data_request, "form": form, "problems": services.request_problems(data_request)}
    return render(request, "access/screen.html", context, status=status)


@requires("access.signoff")
@require_http_methods(["GET", "POST"])
def signoff(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _visible(request, pk)
    if not request.user.has_perm("access.signoff_request", data_request):
        raise PermissionDenied
    items = list(
        data_request.elements.filter(agency_id=request.user.steward_agency_id).select_related(
            "element__dataset", "element__classification"
        )
    )
    form = SignoffForm(request.POST or None, items=items)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.signoff_record(
                    actor=request.user,
                    data_request=data_request,
                    decisions=form.decisions(),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your agency's sign-off is recorded.")
                return redirect("access:detail", pk=pk)
        status = 400
    context = {"r": data_request, "form": form, "items": items}
    return render(request, "access/signoff.html", context, status=status)


@requires("access.review")
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _visible(request, pk)
    declaration = selectors.declaration_of(data_request, request.user)
    posted = request.POST.get("form")
    conflict_form = ConflictForm(request.POST if posted == "conflict" else None)
    review_form = ReviewForm(request.POST if posted == "review" else None)
    status = 200
    try:
        if posted == "conflict" and conflict_form.is_valid():
            services.conflict_declare(
                actor=request.user, data_request=data_request, **conflict_form.cleaned_data
            )
            return redirect("access:review", pk=pk)
        if posted == "review" and review_form.is_valid():
            services.review_record(
                actor=request.user,
                data_request=data_request,
                scores=review_form.scores(),
                vote=review_form.cleaned_data["vote"],
                rationale=review_form.cleaned_data["rationale"],
            )
            messages.success(request, "Your review and vote are recorded.")
            return redirect("access:detail", pk=pk)
    except ValidationError as error:
        (conflict_form if posted == "conflict" else review_form).add_error(None, error)
    if request.method == "POST":
        status = 400
    already = data_request.reviews.filter(
        reviewer=request.user, version=data_request.version
    ).first()
    context = {
        "r": data_request,
        "declaration": declaration,
        "conflict_form": conflict_form,
        "review_form": review_form,
        "already": already,
        "risk": selectors.privacy_risk(data_request),
        "criteria": CRITERIA,
    }
    return render(request, "access/review.html", context, status=status)


@requires("access.decide")
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _visible(request, pk)
    approvable = list(
        data_request.elements.filter(signoff=RequestedElement.Signoff.APPROVED).select_related(
            "element__dataset"
        )
    )
    form = DecisionForm(request.POST or None, approvable=approvable)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.decision_record(
                    actor=request.user,
                    data_request=data_request,
                    outcome=form.cleaned_data["outcome"],
                    rationale=form.cleaned_data["rationale"],
                    conditions=form.cleaned_data["conditions"],
                    reason_categories=form.cleaned_data["reason_categories"],
                    granted_ids=form.cleaned_data["granted"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "The decision is recorded.")
                return redirect("access:detail", pk=pk)
        status = 400
    context = {
        "r": data_request,
        "form": form,
        "tally": selectors.vote_tally(data_request),
        "untrained": selectors.people_without_training(data_request),
        "risk": selectors.privacy_risk(data_request),
        "reviews": data_request.reviews.filter(version=data_request.version).select_related(
            "reviewer__committee_profile"
        ),
        "recused": data_request.conflicts.filter(has_conflict=True).select_related("member"),
        "criteria": CRITERIA,
    }
    return render(request, "access/decide.html", context, status=status)


@requires("access.take_training")
@require_http_methods(["GET", "POST"])
def training(request: HttpRequest) -> HttpResponse:
    form = TrainingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.training_complete(
                    actor=request.user,
                    answers=form.answers(),
                    attested=form.cleaned_data["attested"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Privacy orientation completed; valid for 12 months.")
                return redirect("access:training")
        status = 400
    context = {
        "form": form,
        "valid_until": selectors.training_valid_until(request.user),
        "questions": QUIZ,
    }
    return render(request, "access/training.html", context, status=status)


@requires("access.view_committee")
@require_http_methods(["GET", "POST"])
def committee(request: HttpRequest) -> HttpResponse:
    rules = selectors.committee_rules()
    may_configure = request.user.has_perm("access.configure_committee")
    initial = {
        "quorum": rules.quorum,
        "minimum_approvals": rules.minimum_approvals,
        "require_outside_approval": rules.require_outside_approval,
    }
    form = CommitteeRulesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not may_configure:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.committee_rules_update(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "The committee's rules are saved.")
                return redirect("access:committee")
        status = 400
    context = {
        "rules": rules,
        "members": selectors.committee_members(),
        "form": form,
        "may_configure": may_configure,
    }
    return render(request, "access/committee.html", context, status=status)


@public
@require_GET
@cached_public_page
def transparency(request: HttpRequest) -> HttpResponse:
    context = {
        "figures": selectors.transparency_figures(),
        "approved": selectors.approved_projects()[:LIST_SIZE],
        "denials": selectors.denial_reports()[:10],
    }
    return render(request, "access/transparency.html", context)


@public
@require_GET
@cached_public_page
def denials(request: HttpRequest) -> HttpResponse:
    return render(
        request, "access/denials.html", {"reports": selectors.denial_reports()[:LIST_SIZE]}
    )


@public
@require_GET
@cached_public_page
def denial(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(selectors.denial_reports(), pk=report_id)
    return render(request, "access/denial.html", {"report": report})
