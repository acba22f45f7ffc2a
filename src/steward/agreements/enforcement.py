"""What an agreement lets one person reach at one moment: the one interface that extracts,
linkage and downloads read.

`agreement_grants(user, project, at)` is empty unless, at that moment, a version of an
agreement of the project is in effect (both parties signed the stored text, the term has begun
and not ended, access has not been ended), the person is named on it, has accepted its
obligations as they stand, and holds valid privacy training.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from steward.access.models import TrainingCompletion
from steward.agreements.models import Acceptance, AgreementVersion, Signature


@dataclass(frozen=True)
class GrantedElement:
    agreement: str
    agency: str  # the agency's organization code
    agency_id: int
    dataset: str
    element: str
    element_id: int
    classification: int
    first_year: int
    last_year: int
    grades: str
    cohorts: str
    schools_or_districts: str
    matching: bool = False

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


@dataclass(frozen=True)
class Grants:
    """Exactly what a person may access; falsy when nothing."""

    items: tuple[GrantedElement, ...] = ()
    matching_allowed: bool = False
    agreements: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def agencies(self) -> frozenset[str]:
        return frozenset(item.agency for item in self.items)

    @property
    def elements(self) -> frozenset[tuple[str, str, str]]:
        return frozenset((item.agency, item.dataset, item.element) for item in self.items)

    @property
    def years(self) -> dict[tuple[str, str, str], range]:
        return {(item.agency, item.dataset, item.element): item.years for item in self.items}

    @property
    def population(self) -> dict[tuple[str, str, str], str]:
        return {
            (item.agency, item.dataset, item.element): ", ".join(
                part
                for part in (
                    f"grades {item.grades}" if item.grades else "",
                    f"cohorts {item.cohorts}" if item.cohorts else "",
                    item.schools_or_districts or "statewide",
                )
                if part
            )
            for item in self.items
        }

    def allows(self, agency: str, dataset: str, element: str, year: int) -> bool:
        return any(
            item.agency == agency
            and item.dataset == dataset
            and item.element == element
            and year in item.years
            for item in self.items
        )


NO_GRANTS = Grants()


def training_valid_at(user: Any, at: datetime) -> bool:
    return TrainingCompletion.objects.filter(
        user=user, completed_at__lte=at, expires_at__gt=at
    ).exists()


def _versions_in_effect(at: datetime) -> Any:
    today = timezone.localdate(at)
    return AgreementVersion.objects.filter(
        effective_at__lte=at,
        starts_on__lte=today,
        ends_on__gte=today,
    ).filter(
        Q(superseded_at__isnull=True) | Q(superseded_at__gt=at),
        Q(agreement__ended_at__isnull=True) | Q(agreement__ended_at__gt=at),
    )


def _signed_as_stored(version: AgreementVersion, at: datetime) -> bool:
    parties = {
        signature.party
        for signature in Signature.objects.filter(version=version, signed_at__lte=at)
        if signature.version_sha256 == version.sha256
    }
    return parties == set(Signature.Party.values)


def _accepted(version: AgreementVersion, user: Any, at: datetime) -> bool:
    return Acceptance.objects.filter(
        version__agreement_id=version.agreement_id,
        user=user,
        obligations_sha256=version.obligations_sha256,
        accepted_at__lte=at,
    ).exists()


def agreement_grants(user: Any, project: Any, at: datetime | None = None) -> Grants:
    """Exactly what `user` may access for `project` at `at` (now by default); empty otherwise."""
    at = at or timezone.now()
    if getattr(user, "pk", None) is None or not getattr(user, "is_active", False):
        return NO_GRANTS
    if project is None or not training_valid_at(user, at):
        return NO_GRANTS
    versions = (
        _versions_in_effect(at)
        .filter(agreement__project=project, people__user=user)
        .select_related("agreement")
        .prefetch_related("grants__agency", "grants__element__dataset__agency")
        .prefetch_related("grants__element__classification")
    )
    return _combine(
        version
        for version in versions
        if _signed_as_stored(version, at) and _accepted(version, user, at)
    )


def _combine(versions: Iterable[AgreementVersion]) -> Grants:
    items: list[GrantedElement] = []
    matching = False
    references = []
    for version in versions:
        references.append(version.agreement.reference)
        matching = matching or version.matching_authorized
        items += [
            GrantedElement(
                agreement=version.agreement.reference,
                agency=grant.agency.code,
                agency_id=grant.agency_id,
                dataset=grant.element.dataset.code,
                element=grant.element.name,
                element_id=grant.element_id,
                classification=grant.element.classification.level,
                first_year=grant.first_year,
                last_year=grant.last_year,
                grades=grant.grades,
                cohorts=grant.cohorts,
                schools_or_districts=grant.schools_or_districts,
                matching=version.matching_authorized,
            )
            for grant in version.grants.all()
        ]
    if not items:
        return NO_GRANTS
    return Grants(tuple(items), matching, tuple(sorted(set(references))))


def matching_authorized(user: Any, agency_ids: set[int], at: datetime | None = None) -> bool:
    """Whether any agreement lets `user` match the records of every one of these agencies."""
    at = at or timezone.now()
    if not agency_ids or getattr(user, "pk", None) is None:
        return False
    from steward.agenda.models import Project

    projects = Project.objects.filter(
        agreements__versions__people__user=user, agreements__versions__matching_authorized=True
    ).distinct()
    for project in projects:
        grants = agreement_grants(user, project, at)
        for reference in grants.agreements:
            matched = {
                item.agency_id
                for item in grants.items
                if item.agreement == reference and item.matching
            }
            if agency_ids <= matched:
                return True
    return False
