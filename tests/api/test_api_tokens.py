from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.accounts.models import ApiToken
from steward.accounts.services import api_token_create, api_token_revoke
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_request_without_a_token_gets_401_json(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"message": "A valid API token is required.", "code": "unauthorized"}


def test_valid_token_identifies_the_person(client, people):
    _, token = api_token_create(actor=people["ana"], name="laptop")
    response = client.get("/api/me", **_bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == people["ana"].email
    assert body["roles"] == ["researcher"]
    assert body["organization"] == "lsu-cep"


def test_a_steward_sees_their_agency_in_me(client, people):
    _, token = api_token_create(actor=people["rosa"], name="script")
    body = client.get("/api/me", **_bearer(token)).json()
    assert body["steward_agency"] == "lhec"
    assert body["mfa_enabled"] is True


def test_revoked_token_gets_401(client, people):
    record, token = api_token_create(actor=people["ana"], name="laptop")
    api_token_revoke(actor=people["ana"], token=record)
    response = client.get("/api/me", **_bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_expired_token_gets_401(client, people):
    record, token = api_token_create(actor=people["ana"], name="laptop", days=1)
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/me", **_bearer(token)).status_code == 401


def test_a_token_with_one_wrong_character_gets_401(client, people):
    _, token = api_token_create(actor=people["ana"], name="laptop")
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get("/api/me", **_bearer(forged)).status_code == 401


def test_only_the_hash_of_a_token_is_stored(people):
    record, token = api_token_create(actor=people["ana"], name="laptop")
    stored = ApiToken.objects.get(pk=record.pk)
    assert token not in (stored.token_hash, stored.prefix, stored.name)
    secret = token.split("_", 2)[2]  # the random part may itself contain "_"
    assert secret and secret not in stored.token_hash


def test_token_created_through_the_api_is_shown_once(client, people):
    _, token = api_token_create(actor=people["ben"], name="first")
    response = client.post(
        "/api/tokens",
        data={"name": "second", "days": 7},
        content_type="application/json",
        **_bearer(token),
    )
    assert response.status_code == 201
    created = response.json()
    assert created["token"].startswith("stw_")
    listed = client.get("/api/tokens", **_bearer(token)).json()
    assert {item["name"] for item in listed} == {"first", "second"}
    assert all("token" not in item for item in listed)


def test_invalid_token_request_is_refused_with_reasons_and_changes_nothing(client, people):
    _, token = api_token_create(actor=people["ben"], name="first")
    before = ApiToken.objects.count()
    response = client.post(
        "/api/tokens",
        data={"name": "", "days": 9999},
        content_type="application/json",
        **_bearer(token),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert {error["loc"][-1] for error in body["errors"]} == {"name", "days"}
    assert ApiToken.objects.count() == before


def test_a_person_cannot_revoke_another_persons_token(people):
    record, _ = api_token_create(actor=people["ana"], name="laptop")
    with pytest.raises(ValidationError):
        api_token_revoke(actor=people["ben"], token=record)
    record.refresh_from_db()
    assert record.revoked_at is None


def test_creating_and_revoking_a_token_are_audited(people):
    before = AuditEntry.objects.count()
    record, _ = api_token_create(actor=people["ana"], name="laptop")
    api_token_revoke(actor=people["ana"], token=record)
    actions = list(AuditEntry.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == ["api_token.revoked", "api_token.created"]
    assert AuditEntry.objects.count() == before + 2


def test_revoking_twice_is_refused(people):
    record, _ = api_token_create(actor=people["ana"], name="laptop")
    api_token_revoke(actor=people["ana"], token=record)
    with pytest.raises(ValidationError, match="already revoked"):
        api_token_revoke(actor=people["ana"], token=record)


def test_privileged_persona_without_mfa_cannot_use_the_api(client, people):
    from allauth.mfa.models import Authenticator

    with transaction.atomic():
        Authenticator.objects.filter(user=people["priya"]).delete()
    _, token = api_token_create(actor=people["priya"], name="script")
    response = client.get("/api/audit", **_bearer(token))
    assert response.status_code == 403
    assert "two-factor" in response.json()["message"]


def test_unknown_object_is_404_json(client, people):
    _, token = api_token_create(actor=people["ana"], name="laptop")
    response = client.get("/api/jobs/00000000-0000-0000-0000-000000000000", **_bearer(token))
    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "code": "not_found"}
