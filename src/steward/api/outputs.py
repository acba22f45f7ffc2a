"""API routes of disclosure control and the ledger of releases.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
A table is posted as CSV text; the answer holds only the protected table (each cell's
published value, and why it is hidden) and the published certificate.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Router, Schema, Status

from steward.outputs.selectors import (
    agencies,
    hidden_reasons,
    published_rules,
    releases_visible_to,
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
        }
        for r in releases_visible_to(request.user)
    ]
