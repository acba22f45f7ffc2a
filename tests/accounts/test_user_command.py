from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from steward.accounts.models import User
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_granting_the_steward_role_binds_an_agency_and_is_audited(people):
    before = AuditEntry.objects.count()
    call_command("user", "grant", people["lena"].email, "steward", "--agency", "lwc")
    lena = User.objects.get(pk=people["lena"].pk)
    assert lena.has_role("steward")
    assert lena.steward_agency.code == "lwc"
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.order_by("-seq").first().summary == {
        "role": "steward",
        "agency": "lwc",
    }


def test_a_steward_without_an_agency_is_refused_and_nothing_changes(people):
    with pytest.raises(CommandError, match="one agency"):
        call_command("user", "grant", people["lena"].email, "steward")
    assert not User.objects.get(pk=people["lena"].pk).has_role("steward")


def test_an_unknown_agency_is_named(people):
    with pytest.raises(CommandError, match="no organization with the code 'xyz'"):
        call_command("user", "grant", people["lena"].email, "steward", "--agency", "xyz")


def test_revoking_the_administrator_role_removes_site_access(people):
    call_command("user", "revoke", people["alex"].email, "administrator")
    alex = User.objects.get(pk=people["alex"].pk)
    assert not alex.is_staff
    assert not alex.has_role("administrator")


def test_creating_a_person_asks_for_a_password_twice(monkeypatch):
    answers = iter(["correct horse battery staple", "correct horse battery staple"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command(
        "user", "create", "kim@example.gov", "--name", "Kim Lee", "--role", "privacy_officer"
    )
    kim = User.objects.get(email="kim@example.gov")
    assert kim.check_password("correct horse battery staple")
    assert kim.is_privileged and not kim.has_mfa


def test_a_superuser_counts_as_privileged_and_must_use_mfa(client):
    root = User.objects.create_superuser("root@example.gov", "x" * 20, full_name="Root")
    client.force_login(root)
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
