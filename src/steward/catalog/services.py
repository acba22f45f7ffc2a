"""Changes to the catalog and the warehouse. Each runs in one transaction with its audit entry.

The data plane does the checking and the encrypted writing; these services decide who may ask
for it, and record what happened. Audit summaries carry codes and counts, never values.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from steward.accounts.models import Organization
from steward.catalog.models import ClassificationLevel, Dataset, DatasetVersion, Element
from steward.catalog.selectors import dataset_find
from steward.core.audit import audit_record
from steward.core.jobs import job_create
from steward.core.models import Job
from steward.dataplane.keys import LocalKeyFile
from steward.dataplane.quality import scorecard
from steward.dataplane.validation import Catalog, CatalogError, ingest, load_catalog, parse_catalog
from steward.dataplane.validation import Dataset as CatalogDataset
from steward.dataplane.validation import Element as CatalogElement
from steward.dataplane.warehouse import Warehouse

CATALOG_FILE = Path(__file__).resolve().parent / "data" / "catalog.yaml"
INCOMING_FOLDER = "incoming"
UPLOAD_SUFFIXES = (".csv", ".parquet")
INGEST_JOB = "catalog.ingest"


def warehouse() -> Warehouse:
    """The warehouse under the data folder, with keys from the key file."""
    return Warehouse(settings.DATA_DIR, LocalKeyFile(settings.KEY_FILE))


# Loading the catalog ------------------------------------------------------------------------


@dataclass
class CatalogLoadSummary:
    """What a load changed, per kind of record: created, updated, unchanged, retired."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0, "retired": 0})
        self.counts[kind][outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] or c["retired"] for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
            for kind, counts in self.counts.items()
        ]


def catalog_load(*, actor: Any, path: Path | str | None = None) -> CatalogLoadSummary:
    """Upsert levels, datasets and elements from a catalog file, all or nothing.

    Datasets and elements no longer in the file are marked inactive, not deleted: requests and
    agreements may refer to them. Each catalog agency is the one agency Organization of its kind.
    """
    source = Path(path) if path else CATALOG_FILE
    try:
        catalog = load_catalog(source)
    except CatalogError as error:
        raise ValidationError(str(error)) from None
    summary = CatalogLoadSummary()
    with transaction.atomic():
        levels = {lv.level: _level_upsert(lv, summary) for lv in catalog.levels}
        seen_datasets: set[int] = set()
        for agency in catalog.agencies:
            organization = _agency_for(agency.kind, agency.code)
            for position, spec in enumerate(agency.datasets):
                dataset = _dataset_upsert(organization, agency.code, position, spec, summary)
                seen_datasets.add(dataset.pk)
                _elements_upsert(dataset, spec, levels, summary)
        for dataset in Dataset.objects.filter(active=True).exclude(pk__in=seen_datasets):
            Dataset.objects.filter(pk=dataset.pk).update(active=False)
            summary.add("datasets", "retired")
        audit_record(
            actor=actor,
            action="catalog.loaded",
            object_type="catalog.dataset",
            summary={"file": source.name, **summary.counts},
        )
    return summary


def _agency_for(kind: str, code: str) -> Organization:
    agencies = list(Organization.objects.filter(kind=Organization.Kind.AGENCY, agency_kind=kind))
    if len(agencies) != 1:
        found = "none" if not agencies else ", ".join(a.code for a in agencies)
        raise ValidationError(
            f"Catalog agency {code!r} needs exactly one agency organization of kind {kind!r}; "
            f"found {found}. Create or fix it in the administration site."
        )
    return agencies[0]


def _apply(instance: Any, values: dict[str, Any]) -> bool:
    """Set changed fields on an instance; return whether anything changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
    return bool(changed)


def _upsert(model: Any, lookup: dict[str, Any], values: dict[str, Any], kind: str, summary):
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model.objects.create(**lookup, **values)
        summary.add(kind, "created")
    else:
        summary.add(kind, "updated" if _apply(instance, values) else "unchanged")
    return instance


def _level_upsert(level, summary: CatalogLoadSummary) -> ClassificationLevel:
    values = {"name": level.name, "meaning": level.meaning, "protections": list(level.protections)}
    return _upsert(ClassificationLevel, {"level": level.level}, values, "levels", summary)


def _dataset_upsert(
    organization: Organization,
    agency_code: str,
    position: int,
    spec: CatalogDataset,
    summary: CatalogLoadSummary,
) -> Dataset:
    values = {
        "agency": organization,
        "name": spec.name,
        "purpose": spec.purpose,
        "frequency": spec.frequency,
        "due_month": spec.due[0],
        "due_day": spec.due[1],
        "first_year": spec.years[0],
        "last_year": spec.years[1],
        "key": list(spec.key),
        "position": position,
        "active": True,
    }
    lookup = {"agency_code": agency_code, "code": spec.code}
    return _upsert(Dataset, lookup, values, "datasets", summary)


def _elements_upsert(
    dataset: Dataset,
    spec: CatalogDataset,
    levels: dict[int, ClassificationLevel],
    summary: CatalogLoadSummary,
) -> None:
    names = set()
    for position, element in enumerate(spec.elements):
        names.add(element.name)
        values = _element_values(element, levels)
        values["position"] = position
        _upsert(Element, {"dataset": dataset, "name": element.name}, values, "elements", summary)
    for element in dataset.elements.filter(active=True).exclude(name__in=names):
        Element.objects.filter(pk=element.pk).update(active=False)
        summary.add("elements", "retired")


def _element_values(element: CatalogElement, levels: dict[int, ClassificationLevel]) -> dict:
    return {
        "label": element.label,
        "definition": element.definition,
        "type": element.type,
        "required": element.required,
        "classification": levels[element.classification],
        "identifier_kind": element.identifier,
        "ceds_name": element.ceds or "",
        "codes": dict(element.codes) if element.codes is not None else None,
        "min_value": element.min,
        "max_value": element.max,
        "unit": element.unit or "",
        "references": element.references.name if element.references else "",
        "active": True,
    }


def dataplane_catalog(agency_code: str) -> Catalog:
    """One agency's part of the loaded catalog, as the data plane checks files against it.

    Built from the database, so what people browse is exactly what ingestion enforces.
    """
    datasets = list(
        Dataset.objects.filter(agency_code=agency_code, active=True)
        .select_related("agency")
        .order_by("position")
    )
    if not datasets:
        raise ValidationError(f"The loaded catalog has no datasets of agency {agency_code!r}.")
    elements: dict[int, list[Element]] = {d.pk: [] for d in datasets}
    for element in (
        Element.objects.filter(dataset__in=datasets, active=True)
        .select_related("classification")
        .order_by("position")
    ):
        elements[element.dataset_id].append(element)
    data = {
        "classification_levels": [
            {
                "level": lv.level,
                "name": lv.name,
                "meaning": lv.meaning,
                "protections": lv.protections,
            }
            for lv in ClassificationLevel.objects.all()
        ],
        "agencies": [
            {
                "code": agency_code,
                "name": datasets[0].agency.name,
                "kind": datasets[0].agency.agency_kind,
                "datasets": [_dataset_dict(d, elements[d.pk]) for d in datasets],
            }
        ],
    }
    try:
        return parse_catalog(data, source="the loaded catalog")
    except CatalogError as error:
        raise ValidationError(str(error)) from None


def _dataset_dict(dataset: Dataset, elements: list[Element]) -> dict:
    return {
        "code": dataset.code,
        "name": dataset.name,
        "purpose": dataset.purpose,
        "frequency": dataset.frequency,
        "due": dataset.due,
        "years": f"{dataset.first_year}-{dataset.last_year}",
        "key": dataset.key,
        "elements": [_element_dict(e) for e in elements],
    }


def _element_dict(element: Element) -> dict:
    data: dict[str, Any] = {
        "name": element.name,
        "label": element.label,
        "definition": element.definition,
        "type": element.type,
        "required": element.required,
        "classification": element.classification.level,
        "identifier": element.identifier_kind,
        "ceds": element.ceds_name or None,
        "codes": element.codes,
        "min": element.min_value,
        "max": element.max_value,
        "unit": element.unit or None,
    }
    if element.references:
        ref_dataset, ref_element = element.references.split(".", 1)
        data["references"] = {"dataset": ref_dataset, "element": ref_element}
    return data


# Ingesting a file ---------------------------------------------------------------------------


def _check_may_ingest(actor: Any, dataset: Dataset) -> None:
    if actor is None or not actor.has_perm("catalog.ingest_dataset", dataset):
        who = getattr(actor, "full_name", "") or "This person"
        raise PermissionDenied(
            f"{who} is not a data steward of {dataset.agency.name}; only its own data stewards "
            f"may submit its files."
        )


def _check_year(dataset: Dataset, year: int) -> None:
    if year not in dataset.years:
        raise ValidationError(
            f"{dataset.name} covers {dataset.first_year}-{dataset.last_year}; "
            f"{year} is outside those years."
        )


def dataset_ingest(
    *,
    actor: Any,
    agency: str,
    dataset: str,
    year: int,
    path: Path | str,
    received: date,
    file_name: str = "",
) -> DatasetVersion:
    """Check one file against the catalog and, if nothing blocks, store it as a new version.

    A refused file leaves the warehouse untouched; its report and scorecard are recorded all
    the same, so the agency sees what to fix. Only the agency's own data stewards may ingest.
    """
    target = dataset_find(agency, dataset)
    _check_may_ingest(actor, target)
    _check_year(target, year)
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"There is no file at {path}.")
    catalog = dataplane_catalog(target.agency_code)
    store = warehouse()
    # The new version is staged, its record committed, and only then is it published, all under
    # the dataset-year's lock: no other ingest of it is ever between those steps meanwhile, so a
    # staged file found here was left by a killed ingest, and its record says what it became.
    agency_code, code = target.agency_code, target.code
    with store.locked(agency_code, code, year):
        store.reconcile(agency_code, code, year, _recorded_versions(target, year))
        result = ingest(
            store, catalog, agency_code, code, year, path, received=received, stage=True
        )
        report = result.report
        stored = result.version
        try:
            with transaction.atomic():
                version = DatasetVersion.objects.create(
                    dataset=target,
                    year=year,
                    version=stored.version if stored else None,
                    status=(
                        DatasetVersion.Status.ACCEPTED if stored else DatasetVersion.Status.REFUSED
                    ),
                    file_name=(file_name or path.name)[:255],
                    file_sha256=report.file_sha256,
                    path=os.path.relpath(stored.path, store.root) if stored else "",
                    sha256=stored.sha256 if stored else "",
                    rows=report.rows,
                    bytes=stored.bytes if stored else 0,
                    ingested_by=actor,
                    received=received,
                    report=report.to_dict(),
                    scorecard=scorecard(report).to_dict(),
                )
                audit_record(
                    actor=actor,
                    action=f"dataset_version.{version.status}",
                    target=version,
                    summary={
                        "agency": target.agency_code,
                        "dataset": target.code,
                        "year": year,
                        "version": version.version or 0,
                        "rows": report.rows,
                        "blocking": version.blocking_count,
                        "warnings": version.warning_count,
                    },
                )
        except BaseException:
            # The record could not be written: the staged file goes, so the warehouse never
            # holds a version that the catalog does not know about.
            if stored is not None:
                store.discard(stored)
            raise
        if stored is not None:
            store.publish(stored)
    return version


def _recorded_versions(target: Dataset, year: int) -> set[int]:
    """The warehouse versions of one dataset-year that the catalog recorded as accepted."""
    return set(
        DatasetVersion.objects.filter(
            dataset=target, year=year, status=DatasetVersion.Status.ACCEPTED
        ).values_list("version", flat=True)
    )


def refusal_lines(version: DatasetVersion, *, limit: int = 25) -> list[str]:
    """The verdict and each problem as rule, column and count: what a steward needs to fix it."""
    verdict = "accepted" if version.accepted else "refused"
    lines = [f"{version.dataset}/{version.year} ({version.rows} rows): {verdict}"]
    for result in version.problems[:limit]:
        where = f" [{result['column']}]" if result.get("column") else ""
        lines.append(f"  {result['severity']}: {result['rule']}{where}: {result['message']}")
    if len(version.problems) > limit:
        lines.append(f"  ... and {len(version.problems) - limit} more problems")
    return lines


def dataset_upload_start(
    *,
    actor: Any,
    dataset: Dataset,
    year: int,
    received: date,
    upload: UploadedFile,
) -> Job:
    """Keep an uploaded file in the data folder and start the job that ingests it."""
    _check_may_ingest(actor, dataset)
    _check_year(dataset, year)
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValidationError("Send a .csv or .parquet file.")
    folder = Path(settings.DATA_DIR) / INCOMING_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}{suffix}"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return job_create(
            actor=actor,
            kind=INGEST_JOB,
            params={
                "agency": dataset.agency_code,
                "dataset": dataset.code,
                "year": year,
                "received": received.isoformat(),
                "upload": target.name,
                "file_name": Path(upload.name or "").name[:255],
            },
        )
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def incoming_path(name: str) -> Path:
    """Where an uploaded file waits for its job; the name must be one we gave it."""
    if "/" in name or name.startswith(".") or Path(name).suffix not in UPLOAD_SUFFIXES:
        raise ValidationError("not an uploaded file name")
    return Path(settings.DATA_DIR) / INCOMING_FOLDER / name
