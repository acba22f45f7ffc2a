"""Every (from, to) pair of request states: the allowed moves succeed and write their change;
every other move is refused and changes nothing. A stale move loses to the one before it.
Through the services, each allowed move writes exactly one audit entry, a refused one none."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from steward.access import services
from steward.access.demo import vote
from steward.access.models import (
    TRANSITIONS,
    DataRequest,
    RequestedElement,
    Status,
    StatusChange,
    Vote,
)
from steward.access.services import SCREENING_CHECKLIST, StaleRequest, TransitionRefused, _move
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PAIRS = list(itertools.product(Status.values, Status.values))
ALLOWED = [(a, b) for a, b in PAIRS if b in TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in PAIRS if b not in TRANSITIONS[a]]


def _request_in(status: str, people) -> DataRequest:
    return DataRequest.objects.create(created_by=people["ana"], status=status)


def test_the_lifecycle_allows_exactly_the_designed_moves():
    assert sorted(ALLOWED) == sorted(
        [
            ("draft", "submitted"),
            ("submitted", "screening"),
            ("screening", "returned"),
            ("screening", "signoff"),
            ("returned", "submitted"),
            ("signoff", "committee"),
            ("signoff", "denied"),
            ("committee", "approved"),
            ("committee", "denied"),
            ("committee", "revisions"),
            ("revisions", "submitted"),
        ]
    )


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_an_allowed_move_changes_the_status_and_starts_the_clock(old, new, people):
    data_request = _request_in(old, people)
    with transaction.atomic():
        _move(data_request, actor=people["maya"], to=new)
    data_request.refresh_from_db()
    assert data_request.status == new
    change = StatusChange.objects.get(request=data_request)
    assert (change.from_status, change.to_status) == (old, new)


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_a_move_outside_the_lifecycle_is_refused_and_changes_nothing(old, new, people):
    data_request = _request_in(old, people)
    with pytest.raises(TransitionRefused), transaction.atomic():
        _move(data_request, actor=people["maya"], to=new)
    data_request.refresh_from_db()
    assert data_request.status == old
    assert not StatusChange.objects.filter(request=data_request).exists()


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_a_move_from_a_stale_copy_loses_to_the_move_before_it(old, new, people):
    data_request = _request_in(old, people)
    stale = DataRequest.objects.get(pk=data_request.pk)
    with transaction.atomic():
        _move(data_request, actor=people["maya"], to=new)
    if new in TRANSITIONS[old] and old != new:
        with pytest.raises(StaleRequest), transaction.atomic():
            _move(stale, actor=people["maya"], to=new)
    assert StatusChange.objects.filter(request=data_request).count() == 1


# --- through the services: each move writes exactly one audit entry -------------------------

CHECKLIST = {key: True for key, _ in SCREENING_CHECKLIST}


def _submit(r, p):
    services.request_submit(actor=p["ana"], data_request=r)


def _start(r, p):
    services.request_screening_start(actor=p["maya"], data_request=r)


def _return(r, p):
    services.request_screen(
        actor=p["maya"], data_request=r, checklist={}, passed=False, comments="Narrow the years."
    )


def _pass(r, p):
    services.request_screen(actor=p["maya"], data_request=r, checklist=CHECKLIST, passed=True)


def _sign(key: str, approve: bool):
    def sign(r, p):
        items = r.elements.filter(agency_id=p[key].steward_agency_id)
        decisions = {item.pk: (approve, "" if approve else "Not for this study.") for item in items}
        services.signoff_record(actor=p[key], data_request=r, decisions=decisions)

    return sign


def _votes(choice: str):
    def votes(r, p):
        vote(r, ["samuel", "hannah", "omar"], choice)

    return votes


def _decide(outcome: str):
    def decide(r, p):
        approvable = r.elements.filter(signoff=RequestedElement.Signoff.APPROVED)
        services.decision_record(
            actor=p["grace"],
            data_request=r,
            outcome=outcome,
            rationale="Weighed against the criteria.",
            reason_categories=["privacy"] if outcome == Status.DENIED else [],
            granted_ids=list(approvable.values_list("pk", flat=True)),
        )

    return decide


TO_SCREENING = [_submit, _start]
TO_SIGNOFF = [*TO_SCREENING, _pass]
TO_COMMITTEE = [*TO_SIGNOFF, _sign("daniel", True), _sign("rosa", True)]

# (from, to): the steps that reach `from` (and prepare the move), the move, its audit action
MOVES = {
    ("draft", "submitted"): ([], _submit, "request.submitted"),
    ("submitted", "screening"): ([_submit], _start, "request.screening_started"),
    ("screening", "returned"): (TO_SCREENING, _return, "request.screened"),
    ("screening", "signoff"): (TO_SCREENING, _pass, "request.screened"),
    ("returned", "submitted"): ([*TO_SCREENING, _return], _submit, "request.submitted"),
    ("signoff", "committee"): (
        [*TO_SIGNOFF, _sign("daniel", True)],
        _sign("rosa", True),
        "request.signed_off",
    ),
    ("signoff", "denied"): (
        [*TO_SIGNOFF, _sign("daniel", False)],
        _sign("rosa", False),
        "request.signed_off",
    ),
    ("committee", "approved"): (
        [*TO_COMMITTEE, _votes(Vote.APPROVE)],
        _decide(Status.APPROVED),
        "request.decided",
    ),
    ("committee", "denied"): (
        [*TO_COMMITTEE, _votes(Vote.DENY)],
        _decide(Status.DENIED),
        "request.decided",
    ),
    ("committee", "revisions"): (
        [*TO_COMMITTEE, _votes(Vote.REVISE)],
        _decide(Status.REVISIONS),
        "request.decided",
    ),
    ("revisions", "submitted"): (
        [*TO_COMMITTEE, _votes(Vote.REVISE), _decide(Status.REVISIONS)],
        _submit,
        "request.submitted",
    ),
}


def test_every_allowed_move_has_its_service():
    assert sorted(MOVES) == sorted(ALLOWED)


def _entries_after(seq: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=seq).order_by("seq"))


def _last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_an_allowed_move_through_its_service_writes_exactly_one_audit_entry(
    old, new, draft, people
):
    steps, move, action = MOVES[(old, new)]
    for step in steps:
        step(draft, people)
        draft.refresh_from_db()
    assert draft.status == old
    changes = StatusChange.objects.filter(request=draft).count()
    seq = _last_seq()
    move(draft, people)
    draft.refresh_from_db()
    assert draft.status == new
    (entry,) = _entries_after(seq)
    assert entry.action == action
    assert (entry.object_type, entry.object_id) == ("access.datarequest", str(draft.pk))
    if action == "request.signed_off":
        assert entry.summary["moved_to"] == new
    if action == "request.decided":
        assert entry.summary["outcome"] == new
    assert StatusChange.objects.filter(request=draft).count() == changes + 1
    last = StatusChange.objects.filter(request=draft).order_by("-at", "-pk").first()
    assert (last.from_status, last.to_status) == (old, new)


def _service_moving_to(new: str):
    return {
        "submitted": _submit,
        "screening": _start,
        "returned": _return,
        "signoff": _pass,
        "committee": _sign("daniel", True),
        "approved": _decide(Status.APPROVED),
        "denied": _decide(Status.DENIED),
        "revisions": _decide(Status.REVISIONS),
    }[new]


@pytest.mark.parametrize(("old", "new"), [(a, b) for a, b in REFUSED if b != Status.DRAFT])
def test_a_refused_move_through_its_service_writes_no_audit_entry(old, new, people):
    data_request = _request_in(old, people)
    seq = _last_seq()
    with pytest.raises(TransitionRefused):
        _service_moving_to(new)(data_request, people)
    data_request.refresh_from_db()
    assert data_request.status == old
    assert not StatusChange.objects.filter(request=data_request).exists()
    assert _entries_after(seq) == []
