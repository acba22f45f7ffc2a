"""The catalog in the API: datasets, their elements, and quality scorecards with their trend.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema

from steward.catalog.selectors import datasets_visible_to, quality_visible_to

router = Router(tags=["catalog"])


class DatasetOut(Schema):
    agency: str
    agency_name: str
    code: str
    name: str
    purpose: str
    frequency: str
    due: str
    first_year: int
    last_year: int
    key: list[str]
    elements: int


class ElementOut(Schema):
    name: str
    label: str
    definition: str
    type: str
    required: bool
    classification: int
    identifier: str
    ceds: str | None
    codes: dict[str, str] | None
    min: float | None
    max: float | None
    unit: str | None
    references: str | None


class DatasetDetailOut(DatasetOut):
    element_list: list[ElementOut]


class MeasureOut(Schema):
    name: str
    numerator: int
    denominator: int
    percent: float | None
    unit: str


class YearOut(Schema):
    year: int
    version: int | None
    status: str
    received: str
    rows: int
    measures: list[MeasureOut]
    refused_submissions: int


class ScorecardsOut(Schema):
    agency: str
    dataset: str
    name: str
    years: list[YearOut]
    trend: dict[str, list[float | None]]


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _dataset_out(dataset) -> dict:
    return {
        "agency": dataset.agency_code,
        "agency_name": dataset.agency.name,
        "code": dataset.code,
        "name": dataset.name,
        "purpose": dataset.purpose,
        "frequency": dataset.frequency,
        "due": dataset.due,
        "first_year": dataset.first_year,
        "last_year": dataset.last_year,
        "key": dataset.key,
        "elements": len(dataset.elements.all()),
    }


def _element_out(element) -> dict:
    return {
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
        "references": element.references or None,
    }


@router.get("/datasets", response=list[DatasetOut])
def catalog_datasets(request, agency: str = "", q: str = ""):
    """Every dataset of the loaded catalog (optionally one agency's, or matching a search)."""
    _require(request, "catalog.browse")
    return [_dataset_out(d) for d in datasets_visible_to(request.auth, agency=agency, q=q)]


@router.get("/datasets/{agency}/{code}", response=DatasetDetailOut)
def catalog_dataset(request, agency: str, code: str):
    """One dataset with its elements in file order."""
    _require(request, "catalog.browse")
    dataset = datasets_visible_to(request.auth).filter(agency_code=agency, code=code).first()
    if dataset is None:
        raise Http404
    return {
        **_dataset_out(dataset),
        "element_list": [_element_out(e) for e in dataset.elements.all()],
    }


@router.get("/scorecards", response=list[ScorecardsOut])
def catalog_scorecards(request, agency: str = "", dataset: str = ""):
    """Per dataset: each year's version in use with its scorecard, and each measure's trend."""
    _require(request, "catalog.view_quality")
    out = []
    for quality in quality_visible_to(request.auth, agency=agency, dataset=dataset):
        years = []
        for year in quality.years:
            in_use, submissions = quality.in_use.get(year), quality.submissions[year]
            shown = in_use or submissions[0]
            years.append(
                {
                    "year": year,
                    "version": in_use.version if in_use else None,
                    "status": shown.status,
                    "received": shown.received.isoformat(),
                    "rows": shown.rows,
                    "measures": shown.measures,
                    "refused_submissions": sum(1 for v in submissions if not v.accepted),
                }
            )
        found = quality.trend
        out.append(
            {
                "agency": quality.dataset.agency_code,
                "dataset": quality.dataset.code,
                "name": quality.dataset.name,
                "years": years,
                "trend": found.to_dict()["series"] if found else {},
            }
        )
    return out
