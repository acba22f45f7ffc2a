"""The demo's disclosure control: the state's rules, the college commission's stricter ones,
and one released report whose certificate verifies; seeding twice adds nothing."""

from __future__ import annotations

import io

import pytest

from steward.outputs.demo import outputs_demo_seed
from steward.outputs.models import DisclosureRuleSet, Release
from steward.outputs.selectors import release_check

pytestmark = pytest.mark.django_db


def test_the_demo_sets_the_rules_and_releases_a_report_whose_certificate_verifies(people):
    release = outputs_demo_seed(stdout=io.StringIO())
    assert DisclosureRuleSet.objects.count() == 2
    assert release.n_suppressed >= 2 and release_check(release).ok
    assert outputs_demo_seed(stdout=io.StringIO()) is None
    assert Release.objects.count() == 1
