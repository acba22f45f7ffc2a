"""Reads of extracts: who sees which, and what a page needs (without N+1 queries)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from steward.extracts.models import Download, Extract, WorkspaceQuery


def extracts_visible_to(user: Any) -> QuerySet[Extract]:
    """The privacy officer sees every extract; a liaison those of their projects; a researcher
    those of agreements naming them."""
    extracts = Extract.objects.select_related("agreement", "project")
    if not getattr(user, "is_authenticated", False):
        return extracts.none()
    if user.has_role("privacy_officer"):
        return extracts
    return extracts.filter(
        Q(project__liaison=user) | Q(agreement__versions__people__user=user)
    ).distinct()


def extract_for(user: Any, pk: int) -> Extract | None:
    return extracts_visible_to(user).filter(pk=pk).first()


def downloads_of(extract: Extract, user: Any) -> QuerySet[Download]:
    """Every download of the extract for the liaison and privacy officer; one's own otherwise."""
    downloads = Download.objects.filter(file__extract=extract).select_related("file", "user")
    if user.has_role("privacy_officer") or extract.project.liaison_id == user.pk:
        return downloads
    return downloads.filter(user=user)


def queries_of(extract: Extract, user: Any) -> QuerySet[WorkspaceQuery]:
    return WorkspaceQuery.objects.filter(extract=extract, user=user)[:20]
