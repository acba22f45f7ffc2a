"""Seeding the demo state: organizations and one login per persona, MFA enrolled where needed."""

from __future__ import annotations

import base64
import hashlib

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from steward.accounts.models import Organization, User
from steward.accounts.services import role_grant, user_create
from steward.core.audit import audit_record
from steward.core.personas import ORGANIZATIONS, PERSONAS, Persona

DEMO_PASSWORD = "lakeland-demo-2026"  # noqa: S105  (published on purpose: demo logins only)


def totp_secret_for(persona: Persona) -> str:
    """A stable TOTP secret per persona and installation, so a re-run keeps phones working."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:totp:{persona.key}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def organizations_seed(*, actor: User | None) -> dict[str, Organization]:
    found = {}
    for seed in ORGANIZATIONS:
        organization = Organization.objects.filter(code=seed.code).first()
        if organization is None:
            with transaction.atomic():
                organization = Organization.objects.create(
                    code=seed.code, name=seed.name, kind=seed.kind, agency_kind=seed.agency_kind
                )
                audit_record(actor=actor, action="organization.created", target=organization)
        found[seed.code] = organization
    return found


def personas_seed() -> list[tuple[Persona, User]]:
    """Create every persona that does not exist yet; existing ones are left as they are."""
    organizations = organizations_seed(actor=None)
    created = []
    for persona in PERSONAS:
        user = User.objects.filter(email=persona.email).first()
        if user is None:
            user = _persona_create(persona, organizations)
        created.append((persona, user))
    return created


def _persona_create(persona: Persona, organizations: dict[str, Organization]) -> User:
    with transaction.atomic():
        user = user_create(
            actor=None,
            email=persona.email,
            full_name=persona.full_name,
            password=DEMO_PASSWORD,
            organization=organizations[persona.organization],
            title=persona.title,
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        for role in persona.roles:
            agency = organizations[persona.steward_agency] if persona.steward_agency else None
            role_grant(actor=None, user=user, role=role, agency=agency)
        if persona.privileged:
            TOTP.activate(user, totp_secret_for(persona))
    return user


def current_code(user: User) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    counter = int(timezone.now().timestamp()) // 30
    return format_hotp_value(hotp_value(secret, counter))
