"""Password reset, email verification and MFA recovery codes, through allauth's real pages."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import reverse

from steward.accounts.models import User
from steward.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "harbor-lighthouse-tide-42"
SECOND_PASSWORD = "a-second-new-pass-77"


def _link_in(message, path_start: str) -> str:
    """The one link in a mail whose path starts with `path_start`, as a path."""
    links = re.findall(r"https?://[^/\s]+(" + re.escape(path_start) + r"[^\s]*)", message.body)
    assert len(links) == 1, message.body
    return links[0]


def _set_password_from(client: Client, reset_path: str, password: str):
    """Follow a reset link (allauth moves its key into the session) and post the new password."""
    response = client.get(reset_path, follow=True)
    assert response.status_code == 200
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else reset_path
    return client.post(form_path, {"password1": password, "password2": password})


def _signs_in(email: str, password: str) -> bool:
    client = Client()
    client.post(reverse("account_login"), {"login": email, "password": password})
    return client.get(reverse("core:jobs")).status_code == 200


# Password reset


def test_a_password_reset_mail_links_to_a_new_password_that_then_signs_in(mailoutbox, people):
    ana = people["ana"]
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": ana.email})
    assert response.status_code == 302

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [ana.email]
    reset_path = _link_in(mail, "/accounts/password/reset/key/")

    response = _set_password_from(client, reset_path, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")

    assert _signs_in(ana.email, NEW_PASSWORD)
    assert not _signs_in(ana.email, DEMO_PASSWORD)


def test_a_reset_link_works_only_once(mailoutbox, people):
    client = Client()
    client.post(reverse("account_reset_password"), {"email": people["ben"].email})
    reset_path = _link_in(mailoutbox[0], "/accounts/password/reset/key/")
    _set_password_from(client, reset_path, NEW_PASSWORD)

    _set_password_from(Client(), reset_path, SECOND_PASSWORD)
    assert not _signs_in(people["ben"].email, SECOND_PASSWORD)
    assert _signs_in(people["ben"].email, NEW_PASSWORD)


def test_a_reset_for_an_unknown_address_sends_no_reset_link(mailoutbox):
    Client().post(reverse("account_reset_password"), {"email": "nobody@demo.steward.test"})
    assert all("/accounts/password/reset/key/" not in mail.body for mail in mailoutbox)


# Email verification


def test_a_new_address_must_be_verified_through_the_mailed_link(mailoutbox):
    email = "jordan@harbor-city.example"
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    address = EmailAddress.objects.get(email=email)
    assert not address.verified
    assert client.get(reverse("core:jobs")).status_code == 302  # not signed in
    assert not _signs_in(email, NEW_PASSWORD)  # and cannot sign in until verified

    [mail] = [mail for mail in mailoutbox if mail.to == [email]]
    confirm_path = _link_in(mail, "/accounts/confirm-email/")
    # The link shows a confirmation page; a GET alone does not confirm.
    assert Client().get(confirm_path).status_code == 200
    assert not EmailAddress.objects.get(email=email).verified
    response = Client().post(confirm_path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=email).verified

    assert _signs_in(email, NEW_PASSWORD)


def test_a_made_up_confirmation_key_verifies_nothing(mailoutbox):
    email = "casey@harbor-city.example"
    Client().post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    Client().post(reverse("account_confirm_email", args=["not-a-real-key"]))
    assert not EmailAddress.objects.get(email=email).verified
    assert not _signs_in(email, NEW_PASSWORD)


def test_an_address_added_to_an_account_is_unverified_until_its_link_is_followed(
    mailoutbox, people
):
    ana = people["ana"]
    client = Client()
    client.force_login(ana)
    added = "ana.ortiz@lsu.example"
    response = client.post(reverse("account_email"), {"action_add": "", "email": added})
    assert response.status_code == 302
    assert not EmailAddress.objects.get(user=ana, email=added).verified

    [mail] = [mail for mail in mailoutbox if mail.to == [added]]
    response = client.post(_link_in(mail, "/accounts/confirm-email/"))
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=ana, email=added).verified


# MFA recovery codes


def _recovery_codes(user: User) -> list[str]:
    authenticator = RecoveryCodes.activate(user).instance
    return RecoveryCodes(authenticator).get_unused_codes()


def _sign_in_with_code(email: str, code: str) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": code})
    return client


def test_a_recovery_code_signs_a_privileged_persona_in_once(people):
    daniel = people["daniel"]
    codes = _recovery_codes(daniel)
    assert len(codes) == 10

    client = _sign_in_with_code(daniel.email, codes[0])
    assert client.get(reverse("core:jobs")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("core:jobs")).status_code == 302

    again = _sign_in_with_code(daniel.email, codes[0])
    assert again.get(reverse("core:jobs")).status_code == 302  # the used code is refused
    authenticator = Authenticator.objects.get(user=daniel, type=Authenticator.Type.RECOVERY_CODES)
    assert codes[0] not in RecoveryCodes(authenticator).get_unused_codes()

    other = _sign_in_with_code(daniel.email, codes[1])
    assert other.get(reverse("core:jobs")).status_code == 200


def test_another_personas_recovery_code_does_not_sign_in(people):
    priyas = _recovery_codes(people["priya"])
    _recovery_codes(people["tom"])
    client = _sign_in_with_code(people["tom"].email, priyas[0])
    assert client.get(reverse("core:jobs")).status_code == 302
