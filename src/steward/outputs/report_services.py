"""Building a report from the warehouse: the latest accepted version of each year, protected
under the SEA's rules in force, and one audit entry (an aggregate read of student records).

A small table is protected within the page request; a large one (more cells than
`INLINE_CELLS`, estimated from its leaf cells before anything is protected) is built and
protected by a job whose page shows its progress and then the protected table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
from django.db import transaction
from django.utils import timezone

from steward.catalog.models import DatasetVersion
from steward.catalog.services import warehouse
from steward.core.audit import audit_record, audit_record_now
from steward.core.jobs import job_create
from steward.outputs.models import ReportRun
from steward.outputs.report_linked import LINKED_DATASETS, linked_tables
from steward.outputs.reports import (
    MEASURES,
    Report,
    ReportError,
    ReportSpec,
    build_report,
    estimate_cells,
    leaf_counts,
)
from steward.outputs.selectors import agencies, rules_in_effect

REPORT_JOB = "outputs.report_build"
# Above this many cells (margins included) protection may take more than a few seconds
# (bench/report.py: 1,184 cells in 4 s, 9,408 in about 100 s on a loaded 2-core machine).
INLINE_CELLS = 1_500


def report_years() -> list[int]:
    """The years of SEA enrollment the warehouse holds."""
    years = DatasetVersion.objects.filter(
        dataset__agency_code="sea", dataset__code="enrollment", status="accepted"
    ).values_list("year", flat=True)
    return sorted(set(years))


def report_tables(spec: ReportSpec) -> dict[str, pa.Table]:
    """The datasets a measure needs, decrypted, for the report's years (latest versions); for
    outcomes after school, the other agencies' records over every year and the crosswalk."""
    store = warehouse()
    tables = {}
    for name in MEASURES[spec.measure].datasets:
        if name in LINKED_DATASETS:
            continue
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
    tables.update(linked_tables(MEASURES[spec.measure].datasets))
    return tables


def _audit_build(actor: Any, spec: ReportSpec, report: Report, references: Any, **extra) -> None:
    audit_record(
        actor=actor,
        action="outputs.report_build",
        object_type="outputs.report",
        summary={
            **spec.to_summary(),
            "cells": report.n_cells,
            "suppressed": report.n_suppressed,
            "rules": references,
            **extra,
        },
    )


def _sea_rules() -> Any:
    return rules_in_effect(list(agencies().filter(agency_kind="sea")))


def report_build(*, actor: Any, spec: ReportSpec) -> Report:
    """Build and protect a report here and now; raises ReportError with what to change."""
    if not actor.has_perm("outputs.build_reports"):
        raise ReportError("Reports are for the SEA's staff.")
    effect = _sea_rules()
    report = build_report(spec, report_tables(spec), effect.rules, effect.references)
    with transaction.atomic():
        _audit_build(actor, spec, report, effect.references)
    return report


def report_start(*, actor: Any, spec: ReportSpec) -> Report | ReportRun:
    """A small report is built at once; a large one is queued as a job (its ReportRun)."""
    if not actor.has_perm("outputs.build_reports"):
        raise ReportError("Reports are for the SEA's staff.")
    tables = report_tables(spec)
    leaves = leaf_counts(spec, tables)
    if leaves.num_rows == 0:
        raise ReportError("no students match this report (check the years and the district)")
    cells = estimate_cells(spec, leaves)
    if cells <= INLINE_CELLS:
        effect = _sea_rules()
        report = build_report(spec, tables, effect.rules, effect.references)
        with transaction.atomic():
            _audit_build(actor, spec, report, effect.references)
        return report
    with transaction.atomic():
        run = ReportRun.objects.create(
            spec=spec.to_query(), estimated_cells=cells, created_by=actor
        )
        run.job = job_create(actor=actor, kind=REPORT_JOB, params={"run": run.pk})
        run.save(update_fields=["job"])
    return run


def report_run_build(run: ReportRun, step: Callable[[int, int, str], None] | None = None) -> None:
    """The job's work: read, aggregate and protect; keep the protected table only."""
    step = step or (lambda done, total, line: None)
    spec = ReportSpec.from_query(run.spec)
    step(0, 3, "Reading the warehouse.")
    tables = report_tables(spec)
    step(1, 3, f"Protecting about {run.estimated_cells:,} cells (the long step).")
    effect = _sea_rules()
    report = build_report(spec, tables, effect.rules, effect.references)
    step(2, 3, f"Protected: {report.n_suppressed:,} of {report.n_cells:,} cells hidden.")
    rows = [{**row, "reason": report.reasons.get(i, "")} for i, row in enumerate(report.rows)]
    with transaction.atomic():
        updated = ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.BUILDING).update(
            status=ReportRun.Status.READY,
            columns=report.columns,
            rows=rows,
            certificate=report.certificate,
            n_cells=report.n_cells,
            n_suppressed=report.n_suppressed,
            finished_at=timezone.now(),
        )
        if updated != 1:
            raise ReportError("this report was finished elsewhere")
        _audit_build(run.created_by, spec, report, effect.references, run=run.pk)
    step(3, 3, "The protected table is ready.")


def report_run_failed(run: ReportRun, error: str) -> None:
    with transaction.atomic():
        ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.BUILDING).update(
            status=ReportRun.Status.FAILED, error=error[:2000], finished_at=timezone.now()
        )
        audit_record(
            actor=run.created_by,
            action="outputs.report_failed",
            target=run,
            summary={"run": run.pk},
        )


def report_run_downloaded(run: ReportRun, *, actor: Any, file_format: str) -> None:
    """A stored report left as a file: who took which run, in which format."""
    audit_record_now(
        actor=actor,
        action="outputs.report_download",
        target=run,
        summary={"run": run.pk, "format": file_format, "cells": run.n_cells},
    )


def report_of_run(run: ReportRun) -> Report:
    """The stored protected table as a Report, for the page, the chart and the download."""
    rows = [
        {"codes": r["codes"], "value": r["value"], "suppressed": r["suppressed"]} for r in run.rows
    ]
    reasons = {i: r["reason"] for i, r in enumerate(run.rows) if r.get("reason")}
    return Report(
        spec=ReportSpec.from_query(run.spec),
        columns=run.columns,
        rows=rows,
        reasons=reasons,
        certificate=run.certificate,
        n_cells=run.n_cells,
        n_suppressed=run.n_suppressed,
    )
