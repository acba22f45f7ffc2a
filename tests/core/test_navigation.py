from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from steward.core.navigation import account_navigation_for, navigation_for

pytestmark = pytest.mark.django_db


def _labels(items) -> list[str]:
    return [item.label for item in items]


def test_a_visitor_sees_the_public_site_and_no_account_links():
    visitor = AnonymousUser()
    assert "Data inventory" in _labels(navigation_for(visitor, "/"))
    assert "Jobs" not in _labels(navigation_for(visitor, "/"))
    assert account_navigation_for(visitor, "/") == []


def test_the_audit_log_is_in_the_navigation_of_privacy_and_security_officers_only(people):
    for key in ("priya", "tom"):
        assert "Audit log" in _labels(navigation_for(people[key], "/"))
    for key in ("ana", "maya", "daniel", "alex", "grace"):
        assert "Audit log" not in _labels(navigation_for(people[key], "/"))


def test_only_administrators_see_the_administration_site(people):
    assert "Administration" in _labels(navigation_for(people["alex"], "/"))
    assert "Administration" not in _labels(navigation_for(people["priya"], "/"))


def test_the_current_page_is_marked(people):
    items = navigation_for(people["priya"], "/audit/")
    assert [item.label for item in items if item.current] == ["Audit log"]
    assert _labels(account_navigation_for(people["ana"], "/")) == [
        "Profile",
        "Privacy training",
        "API tokens",
    ]
