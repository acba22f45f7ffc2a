"""Pages of agreements: the list and what waits for you, drafting from an approved request, the
terms and FERPA checklist, the signed text (HTML and PDF), signing, accepting, amendments and
the committee's votes on them, closeout, the privacy officer's closeouts, the template, and the
public register. Every write goes through a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.access.selectors import requests_visible_to
from steward.agreements import documents, selectors, services
from steward.agreements.checklist import FERPA_CHECKLIST, ferpa_problems
from steward.agreements.forms import (
    AmendForm,
    AmendmentVoteForm,
    ApproveForm,
    CertificateForm,
    DraftForm,
    SignForm,
    TemplateForm,
    TermsForm,
)
from steward.agreements.models import Agreement, AgreementVersion, Signature, Status, VersionStatus
from steward.core.access import public, requires

LIST_SIZE = 200


def _agreement(request: HttpRequest, pk: int) -> Agreement:
    agreement = selectors.agreement_detail_for(request.user, pk)
    if agreement is None:
        raise Http404
    return agreement


def _version(agreement: Agreement, number: int) -> AgreementVersion:
    version = selectors.version_of(agreement, number)
    if version is None:
        raise Http404
    return version


def _flash(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@requires("agreements.view_agreements")
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = list(selectors.agreement_list_for(request.user)[:LIST_SIZE])
    rows = [(agreement, selectors.governing_version(agreement)) for agreement in agreements]
    context = {
        "rows": rows,
        "waiting": selectors.waiting_for(request.user),
        "may_watch_closeouts": request.user.has_perm("agreements.view_closeouts"),
    }
    return render(request, "agreements/list.html", context)


@requires("agreements.draft")
@require_http_methods(["GET", "POST"])
def agreement_draft(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = get_object_or_404(requests_visible_to(request.user), pk=pk)
    existing = data_request.agreements.first()
    if existing is not None:
        return redirect("agreements:detail", pk=existing.pk)
    form = DraftForm(request.POST or None, data_request=data_request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                agreement = services.agreement_draft(
                    actor=request.user, data_request=data_request, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{agreement.reference} drafted from the decision.")
                return redirect("agreements:edit", pk=agreement.pk)
        status = 400
    context = {"r": data_request, "form": form}
    return render(request, "agreements/draft.html", context, status=status)


@requires("agreements.view_agreements")
@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    user = request.user
    governing = selectors.governing_version(agreement)
    pending = selectors.open_version(agreement)
    shown = pending if governing is None else governing
    difference = None
    if pending is not None and governing is not None:
        difference = services.version_difference(governing, pending)
    standing = selectors.people_standing(governing) if governing else []
    context = {
        "a": agreement,
        "v": shown,
        "governing": governing,
        "pending": pending,
        "difference": difference,
        "standing": standing,
        "checklist": _checklist(shown) if shown else [],
        "problems": services.signing_problems(pending) if pending else [],
        "may_edit": agreement.status == Status.DRAFT and user.has_perm("agreements.draft"),
        "may_sign": _may_sign(user, pending),
        "may_accept": governing is not None
        and agreement.in_force
        and any(s.person.user_id == user.pk and not s.accepted_at for s in standing),
        "may_amend": agreement.in_force and pending is None and _may_amend(user, governing),
        "may_approve": pending is not None
        and pending.status == VersionStatus.PROPOSED
        and user.has_perm("agreements.approve_amendment")
        and user.has_role("chair" if pending.approval_by == "committee" else "liaison"),
        "may_vote": pending is not None
        and pending.status == VersionStatus.PROPOSED
        and pending.approval_by == "committee"
        and user.has_perm("agreements.vote_amendment"),
        "may_certify": agreement.status == Status.EXPIRED
        and governing is not None
        and any(p.user_id == user.pk and p.role == "pi" for p in governing.people.all()),
    }
    return render(request, "agreements/detail.html", context)


def _checklist(version: AgreementVersion) -> list[tuple[str, bool, list[str]]]:
    problems = ferpa_problems(version)
    return [
        (label, not [p for p in problems if label in p], [p for p in problems if label in p])
        for _, label in FERPA_CHECKLIST
    ]


def _may_sign(user, version: AgreementVersion | None) -> str:
    if version is None or version.status != VersionStatus.SIGNATURE:
        return ""
    signed = {signature.party for signature in version.signatures.all()}
    if version.sea_signer_id == user.pk and Signature.Party.SEA not in signed:
        return Signature.Party.SEA
    if version.organization_signer_id == user.pk and Signature.Party.ORGANIZATION not in signed:
        return Signature.Party.ORGANIZATION
    return ""


def _may_amend(user, governing: AgreementVersion | None) -> bool:
    if governing is None or not user.has_perm("agreements.amend"):
        return False
    if user.has_role("liaison"):
        return True
    return any(p.user_id == user.pk and p.role == "pi" for p in governing.people.all())


@requires("agreements.draft")
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    version = selectors.open_version(agreement)
    if agreement.status != Status.DRAFT or version is None:
        messages.error(request, "Only a draft agreement can be edited.")
        return redirect("agreements:detail", pk=agreement.pk)
    form = TermsForm(request.POST or None, instance=version, agreement=agreement)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.agreement_update(
                    actor=request.user,
                    agreement=agreement,
                    fields=form.terms(),
                    ferpa_checklist=form.checklist(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Terms saved.")
                return redirect("agreements:edit", pk=agreement.pk)
        status = 400
        version.refresh_from_db()
    context = {
        "a": agreement,
        "v": version,
        "form": form,
        "problems": services.signing_problems(version),
        "preview": documents.to_html(
            documents.fill(version.template.body, documents.field_values(version))
        ),
    }
    return render(request, "agreements/edit.html", context, status=status)


@requires("agreements.draft")
@require_POST
def agreement_send(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    try:
        version = services.agreement_send_for_signature(actor=request.user, agreement=agreement)
    except ValidationError as error:
        _flash(request, error)
        return redirect("agreements:edit", pk=agreement.pk)
    messages.success(request, f"Version {version.number} is out for signature.")
    return redirect("agreements:detail", pk=agreement.pk)


@requires("agreements.view_agreements")
@require_GET
def version_text(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    version = _version(agreement, number)
    if not version.text:
        raise Http404
    context = {"a": agreement, "v": version, "html": documents.to_html(version.text)}
    return render(request, "agreements/text.html", context)


@requires("agreements.view_agreements")
@require_GET
def version_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    version = _version(agreement, number)
    if not version.text:
        raise Http404
    pdf = documents.to_pdf(version.text, reference=agreement.reference, sha256=version.sha256)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{agreement.reference}-v{version.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _typed_step(request, agreement, version, *, template, attestation, act) -> HttpResponse:
    form = SignForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data["typed_name"], form.cleaned_data["attest"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("agreements:detail", pk=agreement.pk)
    if request.method == "POST":
        status = 400
    context = {
        "a": agreement,
        "v": version,
        "form": form,
        "attestation": attestation,
        "html": documents.to_html(version.text),
    }
    return render(request, template, context, status=status)


@requires("agreements.sign")
@require_http_methods(["GET", "POST"])
def version_sign(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    version = _version(agreement, number)
    party = _may_sign(request.user, version)
    if not party:
        raise PermissionDenied

    def act(typed_name: str, attest: bool) -> None:
        services.agreement_sign(
            actor=request.user, version=version, typed_name=typed_name, attest=attest
        )
        messages.success(request, f"You signed version {version.number}.")

    attestation = services.SIGNATURE_ATTESTATION.format(
        party=Signature.Party(party).label.lower(), number=version.number, sha=version.sha256
    )
    return _typed_step(
        request,
        agreement,
        version,
        template="agreements/sign.html",
        attestation=attestation,
        act=act,
    )


@requires("agreements.accept")
@require_http_methods(["GET", "POST"])
def version_accept(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    version = _version(agreement, number)
    if version.status != VersionStatus.EFFECTIVE or not any(
        person.user_id == request.user.pk for person in version.people.all()
    ):
        raise PermissionDenied

    def act(typed_name: str, attest: bool) -> None:
        services.agreement_accept(
            actor=request.user, version=version, typed_name=typed_name, attest=attest
        )
        messages.success(request, "You accepted the agreement.")

    attestation = services.ACCEPTANCE_ATTESTATION.format(number=version.number)
    return _typed_step(
        request,
        agreement,
        version,
        template="agreements/accept.html",
        attestation=attestation,
        act=act,
    )


@requires("agreements.amend")
@require_http_methods(["GET", "POST"])
def agreement_amend(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    governing = selectors.governing_version(agreement)
    if not _may_amend(request.user, governing):
        raise PermissionDenied
    grants = list(governing.grants.all())
    form = AmendForm(request.POST or None, grants=grants)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            add = []
            if data["element"]:
                add.append(
                    services.GrantSpec(
                        element=data["element"],
                        first_year=data["first_year"],
                        last_year=data["last_year"],
                        grades=data["grades"],
                        cohorts=data["cohorts"],
                    )
                )
            try:
                version = services.amendment_propose(
                    actor=request.user,
                    agreement=agreement,
                    reason=data["reason"],
                    terms={"ends_on": data["ends_on"]} if data["ends_on"] else {},
                    add=add,
                    remove=[int(pk) for pk in data["remove"]],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                who = "the committee" if version.approval_by == "committee" else "the liaison"
                messages.success(request, f"Amendment {version.number} proposed; {who} approves.")
                return redirect("agreements:detail", pk=agreement.pk)
        status = 400
    context = {"a": agreement, "v": governing, "form": form}
    return render(request, "agreements/amend.html", context, status=status)


@requires("agreements.approve_amendment")
@require_http_methods(["GET", "POST"])
def amendment_approve(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    version = _version(agreement, number)
    governing = selectors.governing_version(agreement)
    if version.status != VersionStatus.PROPOSED or governing is None:
        raise Http404
    form = ApproveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.amendment_approve(
                    actor=request.user,
                    version=version,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Amendment {version.number}: decision recorded.")
                return redirect("agreements:detail", pk=agreement.pk)
        status = 400
    context = {
        "a": agreement,
        "v": version,
        "form": form,
        "difference": services.version_difference(governing, version),
        **_committee_context(version),
    }
    return render(request, "agreements/approve.html", context, status=status)


def _committee_context(version: AgreementVersion) -> dict:
    if version.approval_by != AgreementVersion.Approval.COMMITTEE:
        return {}
    tally = services.amendment_tally(version)
    return {"tally": tally, "votes": tally.reviews}


@requires("agreements.vote_amendment")
@require_http_methods(["GET", "POST"])
def amendment_vote(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    version = _version(agreement, number)
    governing = selectors.governing_version(agreement)
    if (
        version.status != VersionStatus.PROPOSED
        or version.approval_by != AgreementVersion.Approval.COMMITTEE
        or governing is None
    ):
        raise Http404
    form = AmendmentVoteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.amendment_vote(
                    actor=request.user,
                    version=version,
                    vote=form.cleaned_data["vote"],
                    rationale=form.cleaned_data["rationale"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Amendment {version.number}: your vote is recorded.")
                return redirect("agreements:detail", pk=agreement.pk)
        status = 400
    context = {
        "a": agreement,
        "v": version,
        "form": form,
        "difference": services.version_difference(governing, version),
        "recusal": services.amendment_recusal(version, request.user),
        "already": version.votes.filter(reviewer=request.user).first(),
        **_committee_context(version),
    }
    return render(request, "agreements/vote.html", context, status=status)


@requires("agreements.certify")
@require_http_methods(["GET", "POST"])
def agreement_certify(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    governing = selectors.governing_version(agreement)
    if agreement.status != Status.EXPIRED or governing is None:
        raise Http404
    form = CertificateForm(request.POST or None, initial={"method": governing.disposition})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.certificate_sign(
                    actor=request.user, agreement=agreement, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Certificate signed; the agreement is closed.")
                return redirect("agreements:detail", pk=agreement.pk)
        status = 400
    context = {"a": agreement, "v": governing, "form": form}
    return render(request, "agreements/certify.html", context, status=status)


@requires("agreements.view_closeouts")
@require_GET
def closeouts(request: HttpRequest) -> HttpResponse:
    return render(request, "agreements/closeouts.html", {"rows": selectors.closeouts()})


@requires("agreements.edit_templates")
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest) -> HttpResponse:
    current = services.template_current()
    initial = {
        "title": current.title if current else documents.DEFAULT_TITLE,
        "body": current.body if current else documents.DEFAULT_BODY,
    }
    form = TemplateForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                template = services.template_revise(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Template version {template.version} saved.")
                return redirect("agreements:template")
        status = 400
    context = {"form": form, "current": current, "fields": documents.FIELDS}
    return render(request, "agreements/template.html", context, status=status)


@public
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    return render(request, "agreements/register.html", {"rows": selectors.public_register()})
