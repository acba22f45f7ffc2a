"""Mail about agreements (signatures awaited, acceptance, reminders, escalations), sent after the
transaction commits. Messages name the agreement and what to do, never any student data."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse

from steward.accounts.models import User
from steward.accounts.roles import Role
from steward.core.context import absolute_url

logger = logging.getLogger(__name__)


def role_holders(*roles: str) -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name__in=roles).distinct())


def notify(agreement: Any, people: Iterable[Any], subject: str, message: str) -> None:
    """Queue one message to each person once the transaction commits."""
    addresses = sorted({person.email for person in people if person is not None})
    if not addresses:
        return
    url = absolute_url(reverse("agreements:detail", kwargs={"pk": agreement.pk}))
    subject = f"{agreement.reference}: {subject}"
    body = f"{agreement.reference} “{agreement.project.title}”\n\n{message}\n\nOpen it: {url}\n"
    transaction.on_commit(lambda: _send(subject, body, addresses))


def privacy_officers() -> list[User]:
    return role_holders(Role.PRIVACY_OFFICER)


def _send(subject: str, body: str, addresses: list[str]) -> None:
    sender = settings.DEFAULT_FROM_EMAIL
    try:
        send_mass_mail([(subject, body, sender, [address]) for address in addresses])
    except OSError:
        logger.exception("agreement mail could not be sent: %s", subject)
