"""Reads of the audit log and jobs, already filtered to what the user may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from steward.core.models import AuditEntry, Job


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    jobs = Job.objects.select_related("created_by")
    if not getattr(user, "is_authenticated", False):
        return jobs.none()
    if user.has_perm("core.view_all_jobs"):
        return jobs
    return jobs.filter(created_by=user)


def audit_entries_visible_to(
    user: Any,
    *,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm("core.view_audit_log"):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.order_by("-seq")
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if since:
        entries = entries.filter(created_at__date__gte=since)
    if until:
        entries = entries.filter(created_at__date__lte=until)
    return entries
