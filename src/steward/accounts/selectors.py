"""Reads of people and tokens, filtered to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from steward.accounts.models import ApiToken


def tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)
