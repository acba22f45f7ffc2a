"""The daily reminder of overdue milestones and actions: one message per owner, once a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from steward.agenda.models import Action, Milestone
from steward.agenda.selectors import overdue_actions, overdue_milestones
from steward.core.audit import audit_record
from steward.core.jobs import Progress, job_kind

REMINDER_JOB = "agenda.reminders"


@dataclass
class Reminder:
    email: str
    name: str
    milestones: list[Milestone] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


def _not_reminded_today(today: date) -> Q:
    return Q(reminded_on__isnull=True) | Q(reminded_on__lt=today)


def reminders_due(today: date) -> list[Reminder]:
    """Owners with overdue work they have not been reminded of today."""
    by_owner: dict[int, Reminder] = {}

    def reminder_for(owner: Any) -> Reminder:
        if owner.pk not in by_owner:
            by_owner[owner.pk] = Reminder(owner.email, owner.full_name)
        return by_owner[owner.pk]

    for milestone in overdue_milestones(today).filter(_not_reminded_today(today)):
        if milestone.owner.is_active:
            reminder_for(milestone.owner).milestones.append(milestone)
    for action in overdue_actions(today).filter(_not_reminded_today(today)):
        if action.owner.is_active:
            reminder_for(action.owner).actions.append(action)
    return sorted(by_owner.values(), key=lambda reminder: reminder.email)


def _message(reminder: Reminder, today: date) -> EmailMessage:
    count = len(reminder.milestones) + len(reminder.actions)
    body = render_to_string(
        "agenda/reminder_email.txt",
        {"reminder": reminder, "today": today, "site_name": settings.SITE_NAME},
    )
    subject = f"{settings.SITE_NAME}: {count} overdue item{'s' if count != 1 else ''}"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [reminder.email])


def reminders_send(*, actor: Any = None, today: date | None = None) -> dict[str, int]:
    """Mail each owner their overdue milestones and actions; a second run the same day sends
    nothing. Mail leaves once the reminders are recorded."""
    today = today or timezone.localdate()
    with transaction.atomic():
        reminders = reminders_due(today)
        milestone_ids = [m.pk for r in reminders for m in r.milestones]
        action_ids = [a.pk for r in reminders for a in r.actions]
        Milestone.objects.filter(pk__in=milestone_ids).update(reminded_on=today)
        Action.objects.filter(pk__in=action_ids).update(reminded_on=today)
        counts = {
            "owners": len(reminders),
            "milestones": len(milestone_ids),
            "actions": len(action_ids),
        }
        audit_record(
            actor=actor,
            action="agenda.reminders_sent",
            object_type="agenda.project",
            summary={"date": today.isoformat(), **counts},
        )
        messages = [_message(reminder, today) for reminder in reminders]
        if messages:
            transaction.on_commit(lambda: get_connection().send_messages(messages))
    return counts


@job_kind(REMINDER_JOB, title="Remind owners of overdue milestones and actions")
def reminders_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    progress.update(0, 1)
    today = date.fromisoformat(params["date"]) if params.get("date") else None
    counts = reminders_send(actor=progress.job.created_by, today=today)
    progress.log(
        f"Overdue milestones: {counts['milestones']}; overdue actions: {counts['actions']}; "
        f"people reminded: {counts['owners']}."
    )
    progress.update(1, 1)
    return counts
