"""Reads of the catalog and of quality results, already filtered to what the user may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Prefetch, Q, QuerySet, Value, When

from steward.accounts.models import Organization, User
from steward.accounts.roles import Role
from steward.catalog.models import ClassificationLevel, Dataset, DatasetVersion, Element
from steward.dataplane.quality import MEASURES, Measure, Scorecard, Trend, trend

# The state education agency's datasets first, then the other agencies' by code.
SEA_FIRST = Case(When(agency_code="sea", then=Value(0)), default=Value(1))
DATASET_ORDER = (SEA_FIRST.asc(), "agency_code", "position")


def _active_elements() -> QuerySet[Element]:
    return Element.objects.filter(active=True).select_related("classification")


def datasets_visible_to(
    user: Any, *, agency: str = "", q: str = "", level: int | None = None
) -> QuerySet[Dataset]:
    """Datasets of the loaded catalog, with their active elements, for those who may browse."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("catalog.browse"):
        return Dataset.objects.none()
    datasets = Dataset.objects.filter(active=True).select_related("agency").order_by(*DATASET_ORDER)
    if agency:
        datasets = datasets.filter(Q(agency_code=agency) | Q(agency__code=agency))
    if q:
        datasets = datasets.filter(
            Q(name__icontains=q)
            | Q(purpose__icontains=q)
            | Q(code__icontains=q)
            | Q(elements__active=True, elements__name__icontains=q)
            | Q(elements__active=True, elements__label__icontains=q)
        ).distinct()
    if level is not None:
        datasets = datasets.filter(elements__active=True, elements__classification__level=level)
        datasets = datasets.distinct()
    return datasets.prefetch_related(Prefetch("elements", queryset=_active_elements()))


def elements_visible_to(
    user: Any, *, agency: str = "", q: str = "", level: int | None = None
) -> QuerySet[Element]:
    """Elements matching a search, each with its dataset and level."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("catalog.browse"):
        return Element.objects.none()
    elements = _active_elements().filter(dataset__active=True).select_related("dataset__agency")
    if agency:
        elements = elements.filter(Q(dataset__agency_code=agency) | Q(dataset__agency__code=agency))
    if q:
        elements = elements.filter(
            Q(name__icontains=q)
            | Q(label__icontains=q)
            | Q(definition__icontains=q)
            | Q(ceds_name__icontains=q)
        )
    if level is not None:
        elements = elements.filter(classification__level=level)
    sea_first = Case(When(dataset__agency_code="sea", then=Value(0)), default=Value(1))
    return elements.order_by(
        sea_first.asc(), "dataset__agency_code", "dataset__position", "position"
    )


def dataset_find(agency: str, code: str) -> Dataset:
    """One dataset of the loaded catalog by its agency (catalog or organization code) and code."""
    dataset = (
        Dataset.objects.filter(Q(agency_code=agency) | Q(agency__code=agency), code=code)
        .select_related("agency")
        .first()
    )
    if dataset is None:
        raise ValidationError(
            f"The catalog has no dataset {code!r} of agency {agency!r}. "
            "Load the catalog with `steward catalog load`, or check the codes."
        )
    return dataset


def agency_codes() -> list[tuple[str, str]]:
    """(catalog code, agency name) of each agency in the loaded catalog."""
    rows = Dataset.objects.filter(active=True).values_list("agency_code", "agency__name")
    return sorted(set(rows), key=lambda row: (row[0] != "sea", row[0]))


def agency_stewards(agency_code: str) -> list[User]:
    """The active data stewards of the agency behind a catalog agency code."""
    organization = Organization.objects.filter(
        datasets__agency_code=agency_code, kind=Organization.Kind.AGENCY
    ).first()
    if organization is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, steward_agency=organization, groups__name=str(Role.STEWARD)
        ).distinct()
    )


def classification_levels() -> QuerySet[ClassificationLevel]:
    return ClassificationLevel.objects.all()


def public_inventory() -> list[tuple[Organization, list[Dataset]]]:
    """What each agency collects and why, with each element's sensitivity: no counts at all."""
    datasets = (
        Dataset.objects.filter(active=True)
        .select_related("agency")
        .prefetch_related(Prefetch("elements", queryset=_active_elements()))
        .order_by(*DATASET_ORDER)
    )
    grouped: dict[Organization, list[Dataset]] = {}
    for dataset in datasets:
        grouped.setdefault(dataset.agency, []).append(dataset)
    return list(grouped.items())


def versions_visible_to(user: Any) -> QuerySet[DatasetVersion]:
    """Submitted files with their reports and scorecards, for those who watch quality."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("catalog.view_quality"):
        return DatasetVersion.objects.none()
    return DatasetVersion.objects.select_related("dataset__agency", "ingested_by")


def scorecard_from_dict(data: dict) -> Scorecard:
    """Rebuild a data-plane scorecard from the JSON stored with a version."""
    measures = {name: Measure(**data[name]) for name in MEASURES}
    plain = {k: v for k, v in data.items() if k not in measures}
    return Scorecard(**plain, **measures)


@dataclass
class DatasetQuality:
    """One dataset's submissions by year, and the trend of the versions in use."""

    dataset: Dataset
    in_use: dict[int, DatasetVersion] = field(default_factory=dict)
    submissions: dict[int, list[DatasetVersion]] = field(default_factory=dict)

    @property
    def trend(self) -> Trend | None:
        cards = [scorecard_from_dict(v.scorecard) for _, v in sorted(self.in_use.items())]
        return trend(cards) if cards else None

    @property
    def years(self) -> list[int]:
        return sorted(self.submissions)

    def trend_rows(self) -> list[tuple[str, list[float | None]]]:
        """Each measure with its percentage per year of the versions in use, oldest first."""
        found = self.trend
        return [(name, found.series(name)) for name in MEASURES] if found else []

    def rows(self) -> list[tuple[int, DatasetVersion | None, list[DatasetVersion]]]:
        """Per year, newest first: the version in use and every submission."""
        return [(y, self.in_use.get(y), self.submissions[y]) for y in reversed(self.years)]


def quality_visible_to(user: Any, *, agency: str = "", dataset: str = "") -> list[DatasetQuality]:
    """Per dataset, the version in use each year (the latest accepted) and every submission."""
    versions = versions_visible_to(user).filter(dataset__active=True)
    if agency:
        versions = versions.filter(Q(dataset__agency_code=agency) | Q(dataset__agency__code=agency))
    if dataset:
        versions = versions.filter(dataset__code=dataset)
    by_dataset: dict[int, DatasetQuality] = {}
    submissions: dict[int, dict[int, list[DatasetVersion]]] = defaultdict(lambda: defaultdict(list))
    sea_first = Case(When(dataset__agency_code="sea", then=Value(0)), default=Value(1))
    ordered = versions.order_by(
        sea_first.asc(), "dataset__agency_code", "dataset__position", "year", "pk"
    )
    for version in ordered:
        quality = by_dataset.setdefault(version.dataset_id, DatasetQuality(version.dataset))
        submissions[version.dataset_id][version.year].insert(0, version)
        if version.accepted:
            quality.in_use[version.year] = version
    for dataset_id, quality in by_dataset.items():
        quality.submissions = dict(submissions[dataset_id])
    return list(by_dataset.values())
