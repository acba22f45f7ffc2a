"""API authentication: personal bearer tokens, or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from steward.accounts.services import api_token_authenticate


def _require_mfa(user: Any) -> None:
    if user.is_privileged and not user.has_mfa:
        raise HttpError(403, "Set up two-factor authentication first.")


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        _require_mfa(user)
        request.user = user
        return user


class SessionAuthWithMfa(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user:
            _require_mfa(user)
        return user
