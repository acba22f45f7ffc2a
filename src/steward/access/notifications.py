"""Mail to the people who must act next when a request moves; sent after the commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse

from steward.access.models import DataRequest, Status
from steward.accounts.models import User
from steward.accounts.roles import Role
from steward.core.context import absolute_url

logger = logging.getLogger(__name__)

NEXT_STEP = {
    Status.SUBMITTED: "It waits for screening by the research office.",
    Status.SCREENING: "The research office is screening it for completeness.",
    Status.RETURNED: "The research office returned it with comments: revise it and resubmit.",
    Status.SIGNOFF: "Each agency's data steward now signs off its own elements.",
    Status.COMMITTEE: "The review committee now reviews it: declare conflicts, score and vote.",
    Status.APPROVED: "It is approved; the data sharing agreement is drafted next.",
    Status.DENIED: "It is denied; the decision page gives the reasons.",
    Status.REVISIONS: "The committee asks for revisions: revise it and resubmit.",
    "quorum": "Enough members have voted: the chair may record the decision.",
}


def _role_holders(*roles: str) -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name__in=roles).distinct())


def recipients_for(data_request: DataRequest, event: str) -> list[User]:
    """Whoever acts next; the requester's team hears of every outcome."""
    from steward.access.selectors import team_of

    if event == Status.SUBMITTED:
        return _role_holders(Role.LIAISON)
    if event == Status.SIGNOFF:
        agencies = set(data_request.elements.values_list("agency_id", flat=True))
        return list(
            User.objects.filter(
                is_active=True, groups__name=Role.STEWARD, steward_agency_id__in=agencies
            ).distinct()
        )
    if event == Status.COMMITTEE:
        return _role_holders(Role.COMMITTEE, Role.CHAIR)
    if event == "quorum":
        return _role_holders(Role.CHAIR)
    team = team_of(data_request)
    if event in (Status.APPROVED, Status.DENIED, Status.REVISIONS):
        return team + _role_holders(Role.LIAISON)
    return team


def notify(data_request: DataRequest, event: str) -> None:
    """Queue the mail of this event to go out once the transaction commits."""
    people = recipients_for(data_request, event)
    addresses = sorted({person.email for person in people})
    if not addresses:
        return
    path = reverse("access:detail", kwargs={"pk": data_request.pk})
    subject = f"{data_request.reference}: {_label(event)}"
    body = (
        f"{data_request.reference} “{data_request.project_title}”\n\n"
        f"{NEXT_STEP.get(event, '')}\n\nOpen it: {absolute_url(path)}\n"
        f"Everything waiting for you: {absolute_url(reverse('access:waiting'))}\n"
    )
    transaction.on_commit(lambda: _send(subject, body, addresses))


def _label(event: str) -> str:
    return "votes reached quorum" if event == "quorum" else Status(event).label.lower()


def _send(subject: str, body: str, addresses: Iterable[str]) -> None:
    sender = settings.DEFAULT_FROM_EMAIL
    try:
        send_mass_mail([(subject, body, sender, [address]) for address in addresses])
    except OSError:
        logger.exception("request mail could not be sent: %s", subject)
