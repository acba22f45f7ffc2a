"""Reads of linkage runs, review pairs and crosswalks, already filtered to what the user may see."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from steward.accounts.models import Organization
from steward.catalog.models import DatasetVersion
from steward.dataplane.linkage import AGENCY_SOURCES
from steward.linkage.models import Crosswalk, LinkageRun, ReviewPair

Decision = tuple[str, str, str]


def _with_review_counts(runs: QuerySet[LinkageRun]) -> QuerySet[LinkageRun]:
    decided = ~Q(review_pairs__decision="")
    linked = Q(review_pairs__linked=True)
    return runs.annotate(
        queued=Count("review_pairs"),
        decided=Count("review_pairs", filter=decided),
        decided_linked=Count("review_pairs", filter=decided & linked),
        decided_linked_match=Count(
            "review_pairs", filter=linked & Q(review_pairs__decision=ReviewPair.Decision.MATCH)
        ),
        decided_match=Count("review_pairs", filter=Q(review_pairs__decision="match")),
    )


def runs_visible_to(user: Any, *, to_agency: str = "") -> QuerySet[LinkageRun]:
    """Runs of the agencies the user stewards; every run for privacy and security officers."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("linkage.view_runs"):
        return LinkageRun.objects.none()
    runs = LinkageRun.objects.select_related("from_agency", "to_agency", "started_by", "job")
    if not _is_officer(user):
        agency_id = user.steward_agency_id
        runs = runs.filter(Q(from_agency_id=agency_id) | Q(to_agency_id=agency_id))
    if to_agency:
        runs = runs.filter(to_agency__agency_kind=to_agency)
    return _with_review_counts(runs)


def _is_officer(user: Any) -> bool:
    return bool(user.role_names & {"privacy_officer", "security_officer"})


def measured_precision(run: LinkageRun) -> float | None:
    """Share of the run's links, among reviewed pairs, that a steward judged the same person."""
    decided_linked = getattr(run, "decided_linked", None)
    if decided_linked is None:
        pairs = run.review_pairs.exclude(decision="").filter(linked=True)
        decided_linked = pairs.count()
        matches = pairs.filter(decision=ReviewPair.Decision.MATCH).count()
    else:
        matches = run.decided_linked_match
    return matches / decided_linked if decided_linked else None


def review_pairs_of(run: LinkageRun) -> QuerySet[ReviewPair]:
    return run.review_pairs.select_related("decided_by").order_by("position")


def review_pair_find(user: Any, run_id: int, position: int) -> ReviewPair | None:
    """One pair of a run the user may see; None when there is none for them."""
    run = runs_visible_to(user).filter(pk=run_id).first()
    if run is None:
        return None
    return (
        run.review_pairs.select_related("run__from_agency", "run__to_agency")
        .filter(position=position)
        .first()
    )


def decisions_for(from_agency: Organization, to_agency: Organization, mode: str) -> list[Decision]:
    """Every pair's latest decision across the runs of these agencies in this mode."""
    latest: dict[tuple[str, str], str] = {}
    decided = (
        ReviewPair.objects.filter(
            run__from_agency=from_agency,
            run__to_agency=to_agency,
            run__mode=mode,
        )
        .exclude(decision="")
        .order_by("decided_at", "pk")
        .values_list("sea_id", "other_id", "decision")
    )
    for sea_id, other_id, decision in decided:
        latest[(sea_id, other_id)] = decision
    return [(s, o, d) for (s, o), d in latest.items()]


def current_crosswalks() -> QuerySet[Crosswalk]:
    return Crosswalk.objects.select_related(
        "run", "run__from_agency", "run__to_agency", "accepted_by"
    )


def agency_by_code(code: str) -> Organization:
    """The agency behind a catalog agency code (sea, postsecondary, workforce)."""
    if code not in AGENCY_SOURCES:
        known = ", ".join(AGENCY_SOURCES)
        raise ValidationError(f"Unknown agency {code!r}; linkage knows {known}.")
    agency = Organization.objects.filter(kind=Organization.Kind.AGENCY, agency_kind=code).first()
    if agency is None:
        raise ValidationError(f"No agency of kind {code!r} is registered.")
    return agency


def partner_agencies_for(user: Any) -> list[Organization]:
    """The agencies the user may link the SEA's students with."""
    sea = Organization.objects.filter(kind=Organization.Kind.AGENCY, agency_kind="sea").first()
    if sea is None:
        return []
    others = Organization.objects.filter(
        kind=Organization.Kind.AGENCY, agency_kind__in=[c for c in AGENCY_SOURCES if c != "sea"]
    ).order_by("agency_kind")
    return [o for o in others if user.has_perm("linkage.start_run_between", (sea, o))]


def latest_inputs(agency_code: str) -> list[DatasetVersion]:
    """The latest accepted version of each year of the agency's people dataset."""
    dataset, _ = AGENCY_SOURCES[agency_code]
    versions = (
        DatasetVersion.objects.filter(
            dataset__agency_code=agency_code,
            dataset__code=dataset,
            status=DatasetVersion.Status.ACCEPTED,
        )
        .select_related("dataset")
        .order_by("year", "-version")
    )
    latest: dict[int, DatasetVersion] = {}
    for version in versions:
        latest.setdefault(version.year, version)
    return [latest[year] for year in sorted(latest)]
