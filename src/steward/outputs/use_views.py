"""The research office's page of a published finding's research use: attach a recorded use,
record a new one against the finding, ask districts periodically, and confirm their answers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from steward.core.access import requires
from steward.outputs import findings_services, findings_surveys
from steward.outputs.findings_selectors import published_findings, uses_awaiting_confirmation
from steward.outputs.models import Finding, UseInvitation, UseSurvey
from steward.outputs.review_forms import (
    AttachUseForm,
    FindingUseForm,
    SurveyForm,
    UseDecisionForm,
)
from steward.portal.models import ResearchUse

PERM = "portal.record_research_use"


def _finding(pk: int) -> Finding:
    return get_object_or_404(published_findings(), pk=pk)


def _page(request: HttpRequest, finding: Finding, status: int = 200, **forms) -> HttpResponse:
    context = {
        "finding": finding,
        "uses": ResearchUse.objects.filter(finding=finding).order_by("-used_on", "-pk"),
        "held": uses_awaiting_confirmation(finding),
        "surveys": finding.surveys.all(),
        "attach_form": forms.get("attach_form") or AttachUseForm(finding=finding),
        "record_form": forms.get("record_form") or FindingUseForm(),
        "survey_form": forms.get("survey_form") or SurveyForm(),
    }
    return render(request, "outputs/findings/uses.html", context, status=status)


def _back(finding_id: int) -> HttpResponse:
    return redirect("outputs:finding_uses", pk=finding_id)


@requires(PERM)
@require_GET
def finding_uses(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _finding(pk))


def _submit(request: HttpRequest, finding: Finding, form, act, done: str, form_name: str):
    """A form of the finding's research-use page: on success the service runs and the page
    comes back with `done`; otherwise the page shows the form with its errors (400)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return _back(finding.pk)
    return _page(request, finding, status=400, **{form_name: form})


@requires(PERM)
@require_POST
def finding_use_attach(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(pk)
    return _submit(
        request,
        finding,
        AttachUseForm(request.POST, finding=finding),
        lambda data: findings_services.research_use_attach(
            actor=request.user, use=data["use"], finding=finding
        ),
        "The use now shows on the finding's page.",
        "attach_form",
    )


@requires(PERM)
@require_POST
def finding_use_record(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(pk)
    return _submit(
        request,
        finding,
        FindingUseForm(request.POST),
        lambda data: findings_services.finding_use_record(
            actor=request.user, finding=finding, **data
        ),
        "The use is recorded against the finding.",
        "record_form",
    )


@requires(PERM)
@require_POST
def finding_survey_create(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(pk)
    return _submit(
        request,
        finding,
        SurveyForm(request.POST),
        lambda data: findings_surveys.use_survey_create(
            actor=request.user, finding=finding, **data
        ),
        "The district will be asked on the days set.",
        "survey_form",
    )


@requires(PERM)
@require_POST
def finding_survey_stop(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(
        UseSurvey.objects.filter(finding__status=Finding.Status.PUBLISHED), pk=pk
    )
    try:
        findings_surveys.use_survey_stop(actor=request.user, survey=survey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The district will not be asked again.")
    return _back(survey.finding_id)


@requires(PERM)
@require_POST
def finding_use_decide(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        UseInvitation.objects.select_related("finding", "finding__project"),
        pk=pk,
        finding__status=Finding.Status.PUBLISHED,
    )
    form = UseDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Confirm or decline the answer.")
        return _back(invitation.finding_id)
    confirm = form.cleaned_data["decision"] == "confirm"
    try:
        findings_services.finding_use_decide(
            actor=request.user, invitation=invitation, confirm=confirm
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = "confirmed: it is in the public log" if confirm else "declined"
        messages.success(request, f"The answer is {done}.")
    return _back(invitation.finding_id)
