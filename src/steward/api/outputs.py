"""API routes of disclosure control, the ledger of releases, output review and findings.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
A table is posted as CSV text; the answer holds only the protected table (each cell's
published value, and why it is hidden) and the published certificate. Output review answers
with an output's description, status and checks, never its submitted cells; findings with what
their public page shows.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema, Status

from steward.outputs.findings_selectors import public_finding, published_findings
from steward.outputs.models import Finding, Output, OutputCheck
from steward.outputs.review_selectors import outputs_visible_to
from steward.outputs.review_services import output_decide
from steward.outputs.selectors import (
    agencies,
    hidden_reasons,
    published_rules,
    release_list_visible_to,
)
from steward.outputs.services import table_protect
from steward.outputs.tables import published_csv

router = Router(tags=["outputs"])


class ProtectIn(Schema):
    csv: str
    dims: list[str]
    count: str
    denominator: str = ""
    agencies: list[str] = []
    name: str = "table.csv"


class CellOut(Schema):
    codes: list[str]
    value: str
    suppressed: bool
    reason: str


class ProtectOut(Schema):
    id: int
    columns: list[str]
    cells: list[CellOut]
    csv: str
    method: str
    passed: bool
    n_cells: int
    n_suppressed: int
    rules: dict
    certificate: dict
    certificate_sha256: str


class RulesOut(Schema):
    agency: str
    rules: dict
    versions: list[dict]
    plain_language: str


class ReleaseOut(Schema):
    id: int
    title: str
    population: str
    source: str
    project: int | None
    released_by: str
    released_at: datetime
    n_cells: int
    n_suppressed: int
    certificate_sha256: str
    verified_at: datetime | None
    verified_ok: bool | None


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _agencies(codes: list[str]) -> list:
    found = []
    for code in codes:
        agency = agencies().filter(code=code).first() or agencies().filter(agency_kind=code).first()
        if agency is None:
            raise ValidationError(f"agencies: no agency {code!r}")
        found.append(agency)
    return found


@router.post("/protect", response={201: ProtectOut}, url_name="outputs_protect")
def protect(request, payload: ProtectIn):
    """Protect a CSV of counts under the strictest rules of the named agencies (default: the
    state default); the table is audited and certified, and kept only protected."""
    _require(request, "outputs.protect_table")
    table = table_protect(
        actor=request.user,
        data=payload.csv.encode("utf-8"),
        name=payload.name,
        dims=payload.dims,
        count=payload.count,
        denominator=payload.denominator,
        agencies=_agencies(payload.agencies),
    )
    reasons = hidden_reasons(table)
    rows = table.published["rows"]
    return Status(
        201,
        {
            "id": table.pk,
            "columns": table.published["columns"],
            "cells": [{**row, "reason": reasons.get(i, "")} for i, row in enumerate(rows)],
            "csv": published_csv(table.published["columns"], rows),
            "method": table.method,
            "passed": table.passed,
            "n_cells": table.n_cells,
            "n_suppressed": table.n_suppressed,
            "rules": table.rules,
            "certificate": table.certificate,
            "certificate_sha256": table.certificate_sha256,
        },
    )


@router.get("/rules", response=list[RulesOut], url_name="outputs_rules")
def rules(request):
    """The rules in force for each agency (the strictest of the state default and its own)."""
    return [
        {
            "agency": entry.scope_name,
            "rules": entry.in_effect.rules.to_dict(),
            "versions": entry.in_effect.references,
            "plain_language": entry.text,
        }
        for entry in published_rules()
    ]


@router.get("/releases", response=list[ReleaseOut], url_name="outputs_releases")
def releases(request):
    """The ledger of releases (the privacy officer and the research office)."""
    _require(request, "outputs.view_releases")
    return [
        {
            "id": r.pk,
            "title": r.title,
            "population": r.population,
            "source": r.source,
            "project": r.project_id,
            "released_by": r.released_by.email,
            "released_at": r.released_at,
            "n_cells": r.n_cells,
            "n_suppressed": r.n_suppressed,
            "certificate_sha256": r.certificate_sha256,
            "verified_at": r.verified_at,
            "verified_ok": r.verified_ok,
        }
        for r in release_list_visible_to(request.user)
    ]


# Output review -----------------------------------------------------------------------------------


class CheckOut(Schema):
    kind: str
    decision: str
    reasons: str
    checker: str
    agency: str
    decided_at: datetime


class OutputOut(Schema):
    id: int
    project: int
    project_title: str
    kind: str
    title: str
    version: int
    previous: int | None
    description: str
    population: str
    data_version: str
    status: str
    n_cells: int
    n_unsafe: int
    sha256: str
    submitted_by: str
    submitted_at: datetime
    release: int | None
    released_at: datetime | None
    checks: list[CheckOut]


class DecisionIn(Schema):
    decision: str
    reasons: str


def _with_checks(outputs):
    checks = OutputCheck.objects.select_related("checker", "agency")
    return outputs.prefetch_related(Prefetch("checks", queryset=checks))


def _output_out(output: Output) -> dict:
    return {
        "id": output.pk,
        "project": output.project_id,
        "project_title": output.project.title,
        "kind": output.kind,
        "title": output.title,
        "version": output.version,
        "previous": output.previous_id,
        "description": output.description,
        "population": output.population,
        "data_version": output.data_version,
        "status": output.status,
        "n_cells": output.n_cells,
        "n_unsafe": output.n_unsafe,
        "sha256": output.sha256,
        "submitted_by": output.submitted_by.full_name,
        "submitted_at": output.submitted_at,
        "release": output.release_id,
        "released_at": output.released_at,
        "checks": [
            {
                "kind": c.kind,
                "decision": c.decision,
                "reasons": c.reasons,
                "checker": c.checker.full_name if c.checker else "",
                "agency": c.agency.name if c.agency else "",
                "decided_at": c.decided_at,
            }
            for c in output.checks.all()
        ],
    }


@router.get("/review", response=list[OutputOut], url_name="outputs_review")
def review(request):
    """The outputs this person may see: the research office and the privacy officer every one,
    a data steward those holding their agency's data, researchers their projects' outputs."""
    _require(request, "outputs.view_outputs")
    return [_output_out(o) for o in _with_checks(outputs_visible_to(request.user))]


@router.post("/review/{output_id}/decision", response=OutputOut, url_name="outputs_review_decision")
def review_decision(request, output_id: int, payload: DecisionIn):
    """One checker's decision (approve, changes or reject) with its reasons; the second
    approval releases the output through the ledger. Only the project's liaison and a data
    steward of a contributing agency decide, never the submitter or the project's team."""
    _require(request, "outputs.view_outputs")
    output = get_object_or_404(outputs_visible_to(request.user), pk=output_id)
    output_decide(
        actor=request.user, output=output, decision=payload.decision, reasons=payload.reasons
    )
    return _output_out(
        _with_checks(Output.objects.select_related("project", "submitted_by")).get(pk=output.pk)
    )


# Findings ----------------------------------------------------------------------------------------


class QuestionOut(Schema):
    id: int
    title: str
    extent: str


class FindingOut(Schema):
    id: int
    title: str
    summary: str
    project: int
    project_title: str
    published_at: datetime
    url: str
    pdf_url: str
    answers: list[QuestionOut]


class TableOut(Schema):
    release: int
    title: str
    description: str
    population: str
    columns: list[str]
    rows: list[dict]
    csv_url: str
    certificate_sha256: str


class UseOut(Schema):
    kind: str
    used_by: str
    used_on: str
    description: str
    source: str


class FindingDetailOut(FindingOut):
    implications: str
    limits: str
    full_report: str
    plan_version: int | None
    agreement: str
    tables: list[TableOut]
    uses: list[UseOut]


def _finding_out(request, finding: Finding) -> dict:
    return {
        "id": finding.pk,
        "title": finding.title,
        "summary": finding.summary,
        "project": finding.project_id,
        "project_title": finding.project.title,
        "published_at": finding.published_at,
        "url": request.build_absolute_uri(reverse("outputs:finding", args=[finding.pk])),
        "pdf_url": request.build_absolute_uri(reverse("outputs:finding_pdf", args=[finding.pk])),
        "answers": [
            {"id": a.question_id, "title": a.question.title, "extent": a.extent}
            for a in finding.answers.all()
        ],
    }


def _table_out(request, finding: Finding, output: Output) -> dict:
    release = output.release
    csv_url = reverse("outputs:finding_table", args=[finding.pk, release.pk])
    return {
        "release": release.pk,
        "title": release.title,
        "description": output.description,
        "population": release.population,
        "columns": release.published["columns"],
        "rows": release.published["rows"],
        "csv_url": request.build_absolute_uri(csv_url),
        "certificate_sha256": release.certificate_sha256,
    }


@router.get("/findings", response=list[FindingOut], url_name="outputs_findings")
def findings(request):
    """The published findings, newest first (what the public portal lists)."""
    return [_finding_out(request, f) for f in published_findings()]


@router.get("/findings/{finding_id}", response=FindingDetailOut, url_name="outputs_finding")
def finding(request, finding_id: int):
    """One published finding: its brief, full report, released tables as released (protected
    cells only) and the uses recorded of it."""
    try:
        found = public_finding(finding_id)
    except Finding.DoesNotExist:
        raise Http404 from None
    return {
        **_finding_out(request, found),
        "implications": found.implications,
        "limits": found.limits,
        "full_report": found.full_report,
        "plan_version": found.plan.version if found.plan else None,
        "agreement": found.agreement.reference if found.agreement else "",
        "tables": [_table_out(request, found, o) for o in found.outputs.all()],
        "uses": [
            {
                "kind": u.kind,
                "used_by": u.used_by,
                "used_on": u.used_on.isoformat(),
                "description": u.description,
                "source": u.source,
            }
            for u in found.research_uses.all()
        ],
    }
