"""Reads for the public portal: the research-use log, approved comments, the privacy contact."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from steward.portal.models import Comment, PrivacyContact, ResearchUse


def public_research_uses(*, kind: str = "") -> QuerySet[ResearchUse]:
    uses = ResearchUse.objects.select_related("project", "finding")
    if kind:
        uses = uses.filter(kind=kind)
    return uses


def approved_comments(project: Any) -> QuerySet[Comment]:
    return Comment.objects.filter(project=project, status=Comment.Status.APPROVED)


def comments_to_moderate(user: Any, *, status: str = Comment.Status.PENDING) -> QuerySet[Comment]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(
        "portal.moderate_comments"
    ):
        return Comment.objects.none()
    return Comment.objects.filter(status=status).select_related("project", "moderated_by")


def search_research_uses(q: str, *, limit: int = 50) -> list[ResearchUse]:
    q = q.strip()
    if not q:
        return []
    found = ResearchUse.objects.filter(
        Q(description__icontains=q) | Q(used_by__icontains=q) | Q(source__icontains=q)
    )
    return list(found.select_related("project")[:limit])


def privacy_contact() -> dict[str, str]:
    """The named privacy contact an administrator set, or the configured one."""
    contact = PrivacyContact.objects.first()
    if contact is None:
        return {"title": "", "mailing_address": "", **settings.PRIVACY_CONTACT}
    return {
        "name": contact.name,
        "title": contact.title,
        "email": contact.email,
        "phone": contact.phone,
        "mailing_address": contact.mailing_address,
    }
