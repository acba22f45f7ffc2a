"""Asking districts periodically how they used a published finding: a standing ask per
district contact, and a daily job that mails each due contact a new form link. Answers through
these links wait for the research office to confirm them before they enter the public log."""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from steward.core.audit import audit_record
from steward.core.context import absolute_url
from steward.core.jobs import Progress, job_kind
from steward.outputs.models import Finding, UseInvitation, UseSurvey

SURVEY_JOB = "outputs.use_surveys"
MIN_DAYS, MAX_DAYS = 30, 3 * 365
logger = logging.getLogger(__name__)


def use_survey_create(
    *,
    actor: Any,
    finding: Finding,
    district_name: str,
    contact_email: str,
    every_days: int = 365,
    first_ask_on: date | None = None,
) -> UseSurvey:
    """Ask a district contact every `every_days` days, starting on `first_ask_on` (today)."""
    if not actor.has_perm("portal.record_research_use"):
        raise PermissionDenied("The research office asks districts.")
    if not finding.is_published:
        raise ValidationError("Ask about the use of a published finding only.")
    if not district_name.strip():
        raise ValidationError({"district_name": "Name the district."})
    validate_email(contact_email)
    if not MIN_DAYS <= every_days <= MAX_DAYS:
        raise ValidationError({"every_days": f"Between {MIN_DAYS} and {MAX_DAYS} days."})
    with transaction.atomic():
        survey = UseSurvey.objects.create(
            finding=finding,
            district_name=district_name.strip()[:200],
            contact_email=contact_email.strip().lower(),
            every_days=every_days,
            next_ask_on=first_ask_on or timezone.localdate(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="outputs.use_survey_create",
            target=survey,
            summary={"finding": finding.pk, "every_days": every_days},
        )
    return survey


def use_survey_stop(*, actor: Any, survey: UseSurvey) -> UseSurvey:
    """Stop asking this contact; links already sent still work."""
    if not actor.has_perm("portal.record_research_use"):
        raise PermissionDenied("The research office asks districts.")
    with transaction.atomic():
        if UseSurvey.objects.filter(pk=survey.pk, active=True).update(active=False) != 1:
            raise ValidationError("This ask is stopped already.")
        survey.active = False
        audit_record(
            actor=actor,
            action="outputs.use_survey_stop",
            target=survey,
            summary={"finding": survey.finding_id},
        )
    return survey


def surveys_due(today: date):
    return UseSurvey.objects.select_related("finding").filter(
        active=True, next_ask_on__lte=today, finding__status=Finding.Status.PUBLISHED
    )


def _message(invitation: UseInvitation, email: str) -> EmailMessage:
    link = absolute_url(reverse("outputs:use_report", args=[invitation.token]))
    finding = absolute_url(reverse("outputs:finding", args=[invitation.finding_id]))
    subject = f"{settings.SITE_NAME}: how did {invitation.district_name} use a finding?"
    body = (
        f"The research office of {settings.SITE_NAME} asks how {invitation.district_name} has "
        f"used the published finding “{invitation.finding.title}” ({finding}).\n\n"
        f"Please tell us on this form (no sign-in needed): {link}\n\n"
        "If you have not used it, there is nothing to do. Your answer is read by the research "
        "office before it appears in the public research-use log. Do not include information "
        "about any student.\n"
    )
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


def _send(messages: list[EmailMessage]) -> None:
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("%d form-link messages could not be sent", len(messages))


def use_surveys_send(*, actor: Any = None, today: date | None = None) -> dict[str, int]:
    """Mail every due contact a new form link, and set their next ask; a second run the same
    day sends nothing. Mail leaves once the links are recorded."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(surveys_due(today).select_for_update(of=("self",)))
        invitations, messages = [], []
        for survey in due:
            invitation = UseInvitation.objects.create(
                finding=survey.finding,
                district_name=survey.district_name,
                token=secrets.token_urlsafe(24),
                created_by=actor,
                survey=survey,
            )
            UseSurvey.objects.filter(pk=survey.pk).update(
                last_asked_on=today, next_ask_on=today + timedelta(days=survey.every_days)
            )
            invitations.append(invitation.pk)
            messages.append(_message(invitation, survey.contact_email))
        counts = {"asked": len(due), "findings": len({s.finding_id for s in due})}
        audit_record(
            actor=actor,
            action="outputs.use_surveys_sent",
            object_type="outputs.usesurvey",
            summary={"date": today.isoformat(), "invitations": invitations, **counts},
        )
        if messages:
            transaction.on_commit(lambda: _send(messages))
    return counts


@job_kind(SURVEY_JOB, title="Ask districts how they used published findings")
def use_surveys_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    """Params: `date` (YYYY-MM-DD) to act as of another day."""
    progress.update(0, 1)
    today = date.fromisoformat(params["date"]) if params.get("date") else None
    counts = use_surveys_send(actor=progress.job.created_by, today=today)
    progress.log(f"Districts asked: {counts['asked']}; findings: {counts['findings']}.")
    progress.update(1, 1)
    return counts
