"""Every (from, to) pair of request states: the allowed moves succeed and write their change;
every other move is refused and changes nothing. A stale move loses to the one before it."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from steward.access.models import TRANSITIONS, DataRequest, Status, StatusChange
from steward.access.services import StaleRequest, TransitionRefused, _move

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
