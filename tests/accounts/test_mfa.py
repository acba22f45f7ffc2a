from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from steward.core.demo import DEMO_PASSWORD, current_code

pytestmark = pytest.mark.django_db


def test_privileged_persona_without_mfa_is_sent_to_set_it_up(client_for, people):
    Authenticator.objects.filter(user=people["daniel"]).delete()
    client = client_for("daniel")
    response = client.get(reverse("core:jobs"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_privileged_persona_without_mfa_cannot_post_either(client_for, people):
    Authenticator.objects.filter(user=people["priya"]).delete()
    client = client_for("priya")
    response = client.post(reverse("core:audit_verify"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_researcher_without_mfa_can_work(client_for):
    assert client_for("ana").get(reverse("core:jobs")).status_code == 200


def test_signing_in_as_a_privileged_persona_asks_for_the_code(client, people):
    response = client.post(
        reverse("account_login"), {"login": people["maya"].email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("core:jobs")).status_code == 302  # not signed in yet

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(people["maya"])})
    assert response.status_code == 302
    assert client.get(reverse("core:jobs")).status_code == 200


def test_a_wrong_code_does_not_sign_in(client, people):
    client.post(
        reverse("account_login"), {"login": people["maya"].email, "password": DEMO_PASSWORD}
    )
    right = current_code(people["maya"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert client.get(reverse("core:jobs")).status_code == 302


def test_repeated_failed_logins_are_rate_limited(client, people):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": people["ben"].email, "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": people["ben"].email, "password": DEMO_PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("core:jobs")).status_code == 302


def test_passwords_are_hashed_with_argon2(people):
    assert people["ana"].password.startswith("argon2")


def _forget_this_process_memory() -> None:
    """What another server process starts with: nothing kept in this one's memory."""
    from django.core.cache.backends import locmem

    for store in (locmem._caches, locmem._expire_info):
        for kept in store.values():
            kept.clear()


def _signs_in_with(code: str, person) -> bool:
    client = Client()
    client.post(reverse("account_login"), {"login": person.email, "password": DEMO_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": code})
    return client.get(reverse("core:jobs")).status_code == 200


def test_a_used_code_is_refused_by_every_server_process(people):
    code = current_code(people["maya"])
    assert _signs_in_with(code, people["maya"])
    _forget_this_process_memory()
    assert not _signs_in_with(code, people["maya"])


def test_failed_logins_count_across_server_processes(people):
    for attempt in range(5):
        if attempt == 3:
            _forget_this_process_memory()
        Client().post(reverse("account_login"), {"login": people["ben"].email, "password": "x"})
    response = Client().post(
        reverse("account_login"), {"login": people["ben"].email, "password": DEMO_PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
