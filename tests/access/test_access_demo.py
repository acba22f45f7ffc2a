"""`steward demo` seeds a request in every state, once."""

from __future__ import annotations

import pytest

from steward.access.models import DataRequest, DenialReport, Status

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_request_in_every_state_and_only_once(catalog, people):
    from steward.access.demo import requests_seed

    made = requests_seed()
    assert {r.status for r in DataRequest.objects.all()} == set(Status.values)
    assert len(made) == DataRequest.objects.count()
    assert DenialReport.objects.count() == 1
    assert requests_seed() == []
    assert DataRequest.objects.count() == len(made)
