"""Ingest: validate an agency's file, and only if it is accepted store it as a new version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from steward.dataplane.validation.catalog import Catalog, Dataset
from steward.dataplane.validation.checks import (
    YEAR_COLUMNS,
    ValidationContext,
    check_file,
    grade_column,
)
from steward.dataplane.validation.report import ValidationReport
from steward.dataplane.warehouse import VersionInfo, Warehouse


@dataclass(frozen=True)
class IngestResult:
    """The validation report and, if the file was accepted, the version written."""

    report: ValidationReport
    version: VersionInfo | None

    @property
    def accepted(self) -> bool:
        """Whether the file entered the warehouse."""
        return self.version is not None

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {
            "accepted": self.accepted,
            "report": self.report.to_dict(),
            "version": self.version.to_dict() if self.version else None,
        }


def ingest(
    warehouse: Warehouse,
    catalog: Catalog,
    agency: str,
    dataset: str,
    year: int,
    path: Path | str,
    *,
    received: date,
    context: ValidationContext | None = None,
    stage: bool = False,
) -> IngestResult:
    """Validate ``path``; write the typed table as a new version only if nothing blocks.

    A refused file leaves the warehouse byte-for-byte unchanged. Without a ``context``, the
    reference values and prior years come from what the warehouse already holds. With
    ``stage``, the version is only staged (`Warehouse.stage_version`): the caller holds
    `Warehouse.locked` and publishes or discards it once its own record is committed or not.
    """
    spec = catalog.dataset(agency, dataset)
    if context is None:
        context = context_from_warehouse(warehouse, spec, year)
    checked = check_file(path, spec, year, received=received, context=context)
    if not checked.report.accepted or checked.table is None:
        return IngestResult(checked.report, None)
    write = warehouse.stage_version if stage else warehouse.write_version
    version = write(agency, dataset, year, checked.table)
    return IngestResult(checked.report, version)


def context_from_warehouse(
    warehouse: Warehouse, dataset: Dataset, year: int, *, lookback: int = 3, **options
) -> ValidationContext:
    """A context whose reference values and prior years are the warehouse's latest versions.

    Prior years go back ``lookback`` years: a person away longer is not compared, which keeps
    the work per file bounded as the warehouse grows.
    """
    context = ValidationContext(**options)
    context.references = _reference_values(warehouse, dataset, year)
    context.prior = _prior_years(warehouse, dataset, year, context, lookback)
    return context


def _reference_values(warehouse: Warehouse, dataset: Dataset, year: int) -> dict:
    values = {}
    for element in dataset.elements:
        ref = element.references
        if ref is None or warehouse.latest_version(dataset.agency, ref.dataset, year) is None:
            continue
        table = warehouse.read(dataset.agency, ref.dataset, year, columns=[ref.element])
        values[ref.name] = table.column(ref.element)
    return values


def _prior_years(
    warehouse: Warehouse, dataset: Dataset, year: int, context: ValidationContext, lookback: int
) -> pa.Table | None:
    year_col = next((c for c in YEAR_COLUMNS if dataset.has_element(c)), None)
    wanted = [
        context.id_column or dataset.key[0],
        year_col,
        *context.stable_columns,
        grade_column(context, dataset),
    ]
    columns = [c for c in dict.fromkeys(wanted) if c and dataset.has_element(c)]
    tables = []
    for earlier in range(max(dataset.years[0], year - lookback), year):
        if warehouse.latest_version(dataset.agency, dataset.code, earlier) is not None:
            tables.append(warehouse.read(dataset.agency, dataset.code, earlier, columns=columns))
    return pa.concat_tables(tables, promote_options="permissive") if tables else None
