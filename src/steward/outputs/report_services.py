"""Building a report from the warehouse: the latest accepted version of each year, protected
under the SEA's rules in force, and one audit entry (an aggregate read of student records)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from django.db import transaction

from steward.catalog.models import DatasetVersion
from steward.catalog.services import warehouse
from steward.core.audit import audit_record
from steward.outputs.reports import MEASURES, Report, ReportError, ReportSpec, build_report
from steward.outputs.selectors import agencies, rules_in_effect


def report_years() -> list[int]:
    """The years of SEA enrollment the warehouse holds."""
    years = DatasetVersion.objects.filter(
        dataset__agency_code="sea", dataset__code="enrollment", status="accepted"
    ).values_list("year", flat=True)
    return sorted(set(years))


def report_tables(spec: ReportSpec) -> dict[str, pa.Table]:
    """The datasets a measure needs, decrypted, for the report's years (latest versions)."""
    store = warehouse()
    tables = {}
    for name in MEASURES[spec.measure].datasets:
        versions = DatasetVersion.objects.filter(
            dataset__agency_code="sea",
            dataset__code=name,
            status="accepted",
            year__gte=spec.first_year,
            year__lte=spec.last_year,
        ).order_by("year", "-version")
        latest: dict[int, int] = {}
        for v in versions:
            latest.setdefault(v.year, v.version)
        if not latest:
            continue
        parts = [store.read("sea", name, year, version) for year, version in latest.items()]
        tables[name] = pa.concat_tables(parts, promote_options="permissive")
    return tables


def report_build(*, actor: Any, spec: ReportSpec) -> Report:
    """Build and protect a report; raises ReportError with what to change."""
    if not actor.has_perm("outputs.build_reports"):
        raise ReportError("Reports are for the SEA's staff.")
    sea = list(agencies().filter(agency_kind="sea"))
    effect = rules_in_effect(sea)
    report = build_report(spec, report_tables(spec), effect.rules, effect.references)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="outputs.report_build",
            object_type="outputs.report",
            summary={
                **spec.to_summary(),
                "cells": report.n_cells,
                "suppressed": report.n_suppressed,
                "rules": effect.references,
            },
        )
    return report
