"""Reads of data requests, already filtered to what each person may see, and what is computed
from them: the clock, the privacy-risk summary, vote tallies, differences between versions,
what waits for whom, and the public transparency figures."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from steward.access.models import (
    DECIDED,
    EDITABLE,
    IN_REVIEW,
    CommitteeMember,
    CommitteeRules,
    ConflictDeclaration,
    DataRequest,
    Decision,
    DenialReport,
    RequestedElement,
    RequestPerson,
    Review,
    Status,
    TrainingCompletion,
    Vote,
)
from steward.accounts.models import User
from steward.accounts.roles import Role


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _visible_condition(user: Any) -> Q:
    condition = Q(created_by=user) | Q(personnel__user=user)
    roles = user.role_names
    not_draft = ~Q(status=Status.DRAFT)
    if Role.LIAISON in roles or Role.PRIVACY_OFFICER in roles:
        condition |= not_draft
    if Role.STEWARD in roles and user.steward_agency_id:
        condition |= not_draft & Q(elements__agency_id=user.steward_agency_id)
    if roles & {Role.COMMITTEE, Role.CHAIR}:
        condition |= Q(status=Status.COMMITTEE) | Q(decisions__isnull=False)
    return condition


def requests_visible_to(user: Any) -> QuerySet[DataRequest]:
    """A researcher sees their team's requests; a steward those touching their agency; the
    committee those in review or decided; the liaison and privacy officer every submitted one."""
    if not _signed_in(user) or not user.has_perm("access.view_requests"):
        return DataRequest.objects.none()
    matching = DataRequest.objects.filter(_visible_condition(user)).values("pk")
    return DataRequest.objects.filter(pk__in=matching).select_related("created_by")


def request_detail_for(user: Any, pk: int) -> DataRequest | None:
    """One visible request with everything its page shows, loaded in a fixed number of queries."""
    elements = RequestedElement.objects.select_related(
        "element__dataset", "element__classification", "agency"
    )
    return (
        requests_visible_to(user)
        .prefetch_related(
            Prefetch("elements", queryset=elements),
            Prefetch("personnel", queryset=RequestPerson.objects.select_related("user")),
            "signoffs__agency",
            "signoffs__steward",
            "screenings__screened_by",
            "decisions__decided_by",
            "versions",
            "changes",
            "agenda_questions",
        )
        .select_related("project")
        .filter(pk=pk)
        .first()
    )


def team_of(data_request: DataRequest) -> list[User]:
    people = {person.user_id: person.user for person in data_request.personnel.all()}
    people.setdefault(data_request.created_by_id, data_request.created_by)
    return list(people.values())


def agencies_of(data_request: DataRequest) -> list:
    agencies = {element.agency_id: element.agency for element in data_request.elements.all()}
    return sorted(agencies.values(), key=lambda agency: agency.name)


# --- training -------------------------------------------------------------------------------


def training_valid_until(user: Any) -> datetime | None:
    latest = (
        TrainingCompletion.objects.filter(user=user, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )
    return latest


def people_without_training(data_request: DataRequest) -> list[User]:
    """Everyone named on the request whose privacy training is missing or has expired."""
    named = [person.user for person in data_request.personnel.all()]
    trained = set(
        TrainingCompletion.objects.filter(
            user__in=named, expires_at__gt=timezone.now()
        ).values_list("user_id", flat=True)
    )
    return [user for user in named if user.pk not in trained]


# --- committee ------------------------------------------------------------------------------


def committee_rules() -> CommitteeRules:
    rules, _ = CommitteeRules.objects.get_or_create(pk=1)
    return rules


def committee_members() -> list[tuple[User, CommitteeMember | None]]:
    users = (
        User.objects.filter(is_active=True, groups__name__in=[Role.COMMITTEE, Role.CHAIR])
        .distinct()
        .select_related("committee_profile", "organization")
    )
    return [(user, getattr(user, "committee_profile", None)) for user in users]


def recused_ids(data_request: DataRequest) -> set[int]:
    return set(
        ConflictDeclaration.objects.filter(request=data_request, has_conflict=True).values_list(
            "member_id", flat=True
        )
    )


def declaration_of(data_request: DataRequest, user: Any) -> ConflictDeclaration | None:
    return ConflictDeclaration.objects.filter(request=data_request, member=user).first()


@dataclass
class Tally:
    """The votes of non-recused members on the current version, against the rules."""

    reviews: list[Review]
    rules: CommitteeRules
    counts: dict[str, int]
    outside_approvals: int

    @property
    def votes(self) -> int:
        return len(self.reviews)

    @property
    def quorum_met(self) -> bool:
        return self.votes >= self.rules.quorum

    def supports(self, outcome: str) -> bool:
        return self.counts.get(outcome, 0) >= self.rules.minimum_approvals


def vote_tally(data_request: DataRequest) -> Tally:
    reviews = Review.objects.filter(
        request=data_request, version=data_request.version
    ).select_related("reviewer__committee_profile")
    return tally_of(reviews, recused=recused_ids(data_request))


def tally_of(votes: Iterable[Any], *, recused: Collection[int] = ()) -> Tally:
    """Count votes (anything with a `reviewer` and a `vote`: a request's reviews, an
    amendment's votes) of the members not recused, against the committee's rules."""
    reviews = [review for review in votes if review.reviewer_id not in recused]
    counts = Counter(review.vote for review in reviews)
    outside = sum(
        1
        for review in reviews
        if review.vote == Vote.APPROVE
        and not getattr(
            getattr(review.reviewer, "committee_profile", None), "in_research_office", False
        )
    )
    return Tally(reviews, committee_rules(), dict(counts), outside)


# --- the privacy-risk summary ---------------------------------------------------------------


@dataclass
class RiskSummary:
    levels: dict[int, int]
    highest: int
    direct_identifiers: list[str]
    sensitive: list[str]
    small_populations: list[str]
    linkage: bool
    agencies: list[str]
    already_held: list[str]
    rating: str = "low"
    reasons: list[str] = field(default_factory=list)


def privacy_risk(data_request: DataRequest) -> RiskSummary:
    """What reviewers weigh: levels asked for, identifiers, small populations, linkage, and
    what earlier approved requests of the same team already hold."""
    elements = list(data_request.elements.all())
    levels = Counter(item.element.classification.level for item in elements)
    direct = [str(item.element) for item in elements if item.element.identifier_kind == "direct"]
    sensitive = [str(item.element) for item in elements if item.element.classification.level >= 4]
    small = [
        f"{item.element}: {item.schools_or_districts}"
        for item in elements
        if item.schools_or_districts.strip()
    ]
    agencies = sorted({item.agency.name for item in elements})
    held = _already_held(data_request)
    summary = RiskSummary(
        levels=dict(sorted(levels.items())),
        highest=max(levels, default=0),
        direct_identifiers=direct,
        sensitive=sensitive,
        small_populations=small,
        linkage=data_request.linkage_needed,
        agencies=agencies,
        already_held=held,
    )
    points = [
        (bool(sensitive), 2, "level 4 elements, which describe small and vulnerable groups"),
        (bool(direct), 1, "direct identifiers"),
        (data_request.linkage_needed and len(agencies) > 1, 1, "linkage across agencies"),
        (bool(small), 1, "populations narrowed to named schools or districts"),
        (bool(held), 1, "data the team already holds from earlier requests"),
    ]
    score = sum(weight for present, weight, _ in points if present)
    summary.reasons = [reason for present, _, reason in points if present]
    summary.rating = "high" if score >= 4 else "moderate" if score >= 2 else "low"
    return summary


def _already_held(data_request: DataRequest) -> list[str]:
    team = [user.pk for user in team_of(data_request)]
    earlier = (
        RequestedElement.objects.filter(request__status=Status.APPROVED, granted=True)
        .filter(Q(request__created_by__in=team) | Q(request__personnel__user__in=team))
        .exclude(request=data_request)
        .select_related("element__dataset", "request")
        .distinct()
    )
    return sorted({f"{item.element} (from {item.request.reference})" for item in earlier})


# --- the clock ------------------------------------------------------------------------------


def request_clock(data_request: DataRequest) -> list[tuple[str, timedelta]]:
    """Time spent in each state, the current one counted until now, in the order first reached."""
    spent: dict[str, timedelta] = defaultdict(timedelta)
    changes = list(data_request.changes.all())
    entered = data_request.created_at
    state = Status.DRAFT
    for change in changes:
        spent[change.from_status] += change.at - entered
        entered, state = change.at, change.to_status
    if state not in DECIDED or state == Status.REVISIONS:
        spent[state] += timezone.now() - entered
    else:
        spent.setdefault(state, timedelta())
    return [(Status(status).label, duration) for status, duration in spent.items()]


# --- versions -------------------------------------------------------------------------------


@dataclass
class VersionDiff:
    number: int
    previous: int
    fields: list[tuple[str, Any, Any]]
    added: list[str]
    removed: list[str]
    changed: list[str]


def version_diffs(data_request: DataRequest) -> list[VersionDiff]:
    """For each resubmission, what changed since the version before it."""
    versions = list(data_request.versions.all())
    diffs = []
    for before, after in itertools.pairwise(versions):
        diffs.append(_diff(before.number, before.snapshot, after.number, after.snapshot))
    return diffs


def _diff(old_n: int, old: dict, new_n: int, new: dict) -> VersionDiff:
    fields = [
        (name, old["fields"].get(name), value)
        for name, value in new["fields"].items()
        if old["fields"].get(name) != value
    ]
    old_elements, new_elements = old["elements"], new["elements"]
    added = sorted(set(new_elements) - set(old_elements))
    removed = sorted(set(old_elements) - set(new_elements))
    changed = sorted(
        key
        for key in set(old_elements) & set(new_elements)
        if old_elements[key] != new_elements[key]
    )
    people_old, people_new = set(old["personnel"]), set(new["personnel"])
    added += [f"person: {entry}" for entry in sorted(people_new - people_old)]
    removed += [f"person: {entry}" for entry in sorted(people_old - people_new)]
    return VersionDiff(new_n, old_n, fields, added, removed, changed)


# --- waiting for me -------------------------------------------------------------------------


@dataclass
class Waiting:
    request: DataRequest
    what: str
    url_name: str


def requests_waiting_for(user: Any) -> list[Waiting]:
    """What this person must do next, across the requests they can see."""
    if not _signed_in(user):
        return []
    visible = requests_visible_to(user).order_by("status_changed_at")
    roles = user.role_names
    waiting: list[Waiting] = []
    mine = visible.filter(Q(created_by=user) | Q(personnel__user=user), status__in=EDITABLE)
    for item in mine.distinct():
        label = "Finish and submit" if item.status == Status.DRAFT else "Revise and resubmit"
        waiting.append(Waiting(item, label, "access:edit"))
    if Role.LIAISON in roles:
        for item in visible.filter(status__in=[Status.SUBMITTED, Status.SCREENING]):
            waiting.append(Waiting(item, "Screen for completeness", "access:screen"))
    if Role.STEWARD in roles and user.steward_agency_id:
        pending = visible.filter(
            status=Status.SIGNOFF,
            elements__agency_id=user.steward_agency_id,
            elements__signoff=RequestedElement.Signoff.PENDING,
        ).distinct()
        for item in pending:
            waiting.append(Waiting(item, "Sign off your agency's elements", "access:signoff"))
    if roles & {Role.COMMITTEE, Role.CHAIR}:
        waiting += _committee_waiting(user, visible.filter(status=Status.COMMITTEE))
    return waiting


def _committee_waiting(user: Any, in_committee: QuerySet[DataRequest]) -> list[Waiting]:
    items = list(in_committee)
    reviewed = set(
        Review.objects.filter(reviewer=user, request__in=items).values_list("request_id", "version")
    )
    recused = set(
        ConflictDeclaration.objects.filter(
            member=user, request__in=items, has_conflict=True
        ).values_list("request_id", flat=True)
    )
    waiting = []
    for item in items:
        if item.pk in recused:
            continue
        if (item.pk, item.version) not in reviewed and user.has_role(Role.COMMITTEE):
            waiting.append(Waiting(item, "Review and vote", "access:review"))
        if user.has_role(Role.CHAIR) and vote_tally(item).quorum_met:
            waiting.append(Waiting(item, "Record the committee's decision", "access:decide"))
    return waiting


# --- transparency ---------------------------------------------------------------------------


@dataclass
class YearFigures:
    year: int | str
    received: int = 0
    in_review: int = 0
    approved: int = 0
    denied: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def share_approved(self) -> int | None:
        decided = self.approved + self.denied
        return round(100 * self.approved / decided) if decided else None

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None


def transparency_figures() -> list[YearFigures]:
    """Counts by the year a request was first submitted, then a row for all years."""
    rows = DataRequest.objects.exclude(first_submitted_at=None).values_list(
        "first_submitted_at", "status", "decided_at"
    )
    years: dict[int, YearFigures] = {}
    total = YearFigures("All years")
    for submitted, status, decided in rows:
        year = timezone.localtime(submitted).year
        for figures in (years.setdefault(year, YearFigures(year)), total):
            figures.received += 1
            if status == Status.APPROVED:
                figures.approved += 1
            elif status == Status.DENIED:
                figures.denied += 1
            else:
                figures.in_review += 1
            if status in (Status.APPROVED, Status.DENIED) and decided:
                figures.days.append((decided - submitted).days)
    return [years[year] for year in sorted(years, reverse=True)] + [total]


def approved_projects() -> QuerySet[DataRequest]:
    return (
        DataRequest.objects.filter(status=Status.APPROVED)
        .order_by("-decided_at")
        .prefetch_related(
            Prefetch(
                "elements",
                queryset=RequestedElement.objects.filter(granted=True).select_related("agency"),
                to_attr="granted_elements",
            )
        )
    )


def denial_reports() -> QuerySet[DenialReport]:
    return DenialReport.objects.all()


def in_review_statuses() -> frozenset[str]:
    return IN_REVIEW


def decision_of(data_request: DataRequest) -> Decision | None:
    decisions = [d for d in data_request.decisions.all() if d.version == data_request.version]
    return decisions[0] if decisions else None
