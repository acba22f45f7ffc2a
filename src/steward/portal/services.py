"""Changes the portal makes: visitors' comments, their moderation, and the research-use log."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.agenda.models import Project
from steward.core.audit import audit_record
from steward.portal.models import Comment, ResearchUse

COMMENTS_PER_WINDOW = 5
COMMENT_WINDOW_SECONDS = 10 * 60
MODERATION_TRANSITIONS = {
    Comment.Status.PENDING: {Comment.Status.APPROVED, Comment.Status.REJECTED},
    Comment.Status.APPROVED: {Comment.Status.REJECTED},
    Comment.Status.REJECTED: {Comment.Status.APPROVED},
}


class RateLimited(Exception):
    """Too many comments from one place in a short time."""


def _rate_key(client: str) -> str:
    # Only a keyed hash of the address is kept, and only for the length of the window.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:comment:{client}".encode()).hexdigest()
    return f"portal:comments:{digest[:32]}"


def _rate_limit(client: str) -> None:
    key = _rate_key(client)
    cache.add(key, 0, COMMENT_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, COMMENT_WINDOW_SECONDS)
        count = 1
    if count > COMMENTS_PER_WINDOW:
        raise RateLimited


def comment_submit(
    *, actor: Any, project: Project, body: str, author_name: str = "", client: str
) -> Comment:
    """Hold a visitor's comment for moderation.

    Not audited: anyone may comment, and an anonymous flood must not grow the audit chain. The
    comment row is its own record; the moderator's decision is audited.
    """
    if not project.is_public:
        raise ValidationError("Comments are open on active and completed projects only.")
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write your comment before sending it."})
    if len(body) > 4000:
        raise ValidationError({"body": "A comment can be at most 4,000 characters."})
    _rate_limit(client)
    return Comment.objects.create(project=project, body=body, author_name=author_name.strip())


def comment_moderate(*, actor: Any, comment: Comment, status: str) -> None:
    """Approve (publish) or reject a comment; compare-and-swap on its status."""
    if actor is None or not actor.has_perm("portal.moderate_comments"):
        raise PermissionDenied("You do not have permission to do this.")
    old = comment.status
    if status not in MODERATION_TRANSITIONS.get(old, set()):
        raise ValidationError(f"A comment cannot go from “{old}” to “{status}”.")
    now = timezone.now()
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk, status=old).update(
            status=status, moderated_by=actor, moderated_at=now
        )
        if changed != 1:
            raise ValidationError("Someone else moderated this comment first.")
        audit_record(
            actor=actor,
            action=f"comment.{status}",
            target=comment,
            summary={"project": comment.project_id, "from": old},
        )
    comment.status, comment.moderated_by, comment.moderated_at = status, actor, now


def research_use_record(
    *,
    actor: Any,
    kind: str,
    description: str,
    used_by: str,
    used_on: date,
    source: str,
    source_url: str = "",
    project: Project | None = None,
) -> ResearchUse:
    """Log a use of the research, with where it is recorded."""
    if actor is None or not actor.has_perm("portal.record_research_use"):
        raise PermissionDenied("You do not have permission to do this.")
    use = ResearchUse(
        kind=kind,
        description=description.strip(),
        used_by=used_by.strip(),
        used_on=used_on,
        source=source.strip(),
        source_url=source_url.strip(),
        project=project,
        recorded_by=actor,
    )
    use.full_clean()
    with transaction.atomic():
        use.save()
        audit_record(
            actor=actor,
            action="research_use.recorded",
            target=use,
            summary={"kind": kind, "project": project.pk if project else None},
        )
    return use
