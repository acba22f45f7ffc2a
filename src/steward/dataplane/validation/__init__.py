"""Validation of agencies' files against the catalog, and ingest into the encrypted warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from steward.dataplane.validation.catalog import (
    Agency,
    Catalog,
    CatalogError,
    ClassificationLevel,
    Dataset,
    Element,
    Reference,
    load_catalog,
    parse_catalog,
)
from steward.dataplane.validation.checks import (
    DEFAULT_SEVERITY,
    CheckedFile,
    ValidationContext,
    check_file,
)
from steward.dataplane.validation.ingest import IngestResult, context_from_warehouse, ingest
from steward.dataplane.validation.report import (
    BLOCKING,
    WARNING,
    ColumnStats,
    RuleResult,
    SkippedRule,
    ValidationReport,
)


def validate(
    path: Path | str,
    dataset: Dataset,
    year: int,
    *,
    received: date | None = None,
    context: ValidationContext | None = None,
) -> ValidationReport:
    """Check one file against one dataset of the catalog; nothing is written anywhere."""
    return check_file(path, dataset, year, received=received, context=context).report


__all__ = [
    "BLOCKING",
    "DEFAULT_SEVERITY",
    "WARNING",
    "Agency",
    "Catalog",
    "CatalogError",
    "CheckedFile",
    "ClassificationLevel",
    "ColumnStats",
    "Dataset",
    "Element",
    "IngestResult",
    "Reference",
    "RuleResult",
    "SkippedRule",
    "ValidationContext",
    "ValidationReport",
    "check_file",
    "context_from_warehouse",
    "ingest",
    "load_catalog",
    "parse_catalog",
    "validate",
]
