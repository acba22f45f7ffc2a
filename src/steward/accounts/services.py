"""Changes to people, roles and API tokens. Each runs in one transaction with its audit entry."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.accounts.models import ApiToken, Organization, User
from steward.accounts.roles import Role
from steward.core.audit import audit_record

TOKEN_PREFIX = "stw"  # noqa: S105  (a label, not a secret)
MAX_TOKEN_DAYS = 365


def user_create(
    *,
    actor: Any,
    email: str,
    full_name: str,
    password: str | None = None,
    organization: Organization | None = None,
    title: str = "",
) -> User:
    with transaction.atomic():
        user = User.objects.create_user(
            email, password, full_name=full_name, organization=organization, title=title
        )
        audit_record(
            actor=actor,
            action="user.created",
            target=user,
            summary={"organization": organization.code if organization else ""},
        )
    return user


def role_grant(*, actor: Any, user: User, role: Role, agency: Organization | None = None) -> None:
    """Give a person a role. A data steward's role is bound to exactly one agency."""
    if role == Role.STEWARD:
        if agency is None or not agency.is_agency:
            raise ValidationError("A data steward must be assigned to one agency.")
    elif agency is not None:
        raise ValidationError("Only the data steward role is scoped to an agency.")
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=str(role))
        user.groups.add(group)
        if role == Role.STEWARD:
            user.steward_agency = agency
            user.save(update_fields=["steward_agency"])
        if role == Role.ADMINISTRATOR and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.__dict__.pop("role_names", None)
        audit_record(
            actor=actor,
            action="role.granted",
            target=user,
            summary={"role": str(role), "agency": agency.code if agency else ""},
        )


def role_revoke(*, actor: Any, user: User, role: Role) -> None:
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name=str(role)))
        if role == Role.STEWARD:
            user.steward_agency = None
            user.save(update_fields=["steward_agency"])
        if role == Role.ADMINISTRATOR:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        user.__dict__.pop("role_names", None)
        audit_record(actor=actor, action="role.revoked", target=user, summary={"role": str(role)})


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, actor: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for the actor; returns the record and the token text, shown only once."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, so you can tell it apart later."})
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError({"days": f"A token lasts between 1 and {MAX_TOKEN_DAYS} days."})
    prefix = secrets.token_hex(4)
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name[:100],
            prefix=prefix,
            token_hash=_hash_token(plaintext),
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(actor=actor, action="api_token.created", target=token, summary={"days": days})
    return token, plaintext


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise ValidationError("You can revoke only your own tokens.")
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated != 1:
            raise ValidationError("This token was already revoked.")
        audit_record(actor=actor, action="api_token.revoked", target=token)
    token.refresh_from_db()
    return token


def api_token_authenticate(plaintext: str) -> User | None:
    """The active user a token belongs to, or None if it is unknown, revoked or expired."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.token_hash, _hash_token(plaintext)):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
