"""Reads of findings: the public's published ones (with their tables, questions and uses),
and the findings a signed-in person may work on."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from steward.accounts.roles import Role
from steward.outputs.models import Finding, FindingQuestion, Output, UseInvitation
from steward.portal.models import ResearchUse


def published_findings() -> QuerySet[Finding]:
    return (
        Finding.objects.filter(status=Finding.Status.PUBLISHED)
        .select_related("project")
        .prefetch_related(
            Prefetch("answers", queryset=FindingQuestion.objects.select_related("question"))
        )
        .order_by("-published_at", "-pk")
    )


def public_finding(pk: int) -> Finding:
    """One published finding with all its page shows (raises Finding.DoesNotExist)."""
    return (
        published_findings()
        .select_related("project__partnership", "plan", "agreement", "project__pi")
        .prefetch_related(
            Prefetch(
                "outputs",
                queryset=Output.objects.filter(status=Output.Status.RELEASED)
                .select_related("release")
                .order_by("pk"),
            ),
            Prefetch("research_uses", queryset=ResearchUse.objects.order_by("-used_on", "-pk")),
        )
        .get(pk=pk)
    )


def findings_answering(question: Any) -> QuerySet[FindingQuestion]:
    return FindingQuestion.objects.filter(
        question=question, finding__status=Finding.Status.PUBLISHED
    ).select_related("finding")


def findings_of_project(project: Any) -> QuerySet[Finding]:
    return Finding.objects.filter(project=project, status=Finding.Status.PUBLISHED).order_by(
        "-published_at", "-pk"
    )


def search_findings(q: str, *, limit: int = 50) -> list[Finding]:
    q = q.strip()
    if not q:
        return []
    found = Finding.objects.filter(status=Finding.Status.PUBLISHED).filter(
        Q(title__icontains=q) | Q(summary__icontains=q) | Q(implications__icontains=q)
    )
    return list(found.select_related("project")[:limit])


def findings_visible_to(user: Any) -> QuerySet[Finding]:
    """The research office sees every finding; a project's team its own; others none."""
    if not getattr(user, "is_authenticated", False):
        return Finding.objects.none()
    findings = Finding.objects.select_related("project", "project__partnership")
    if user.has_role(Role.LIAISON) or user.has_role(Role.PRIVACY_OFFICER):
        return findings
    mine = Finding.objects.filter(
        Q(project__pi=user) | Q(project__team=user) | Q(project__liaison=user)
    ).values("pk")
    return findings.filter(pk__in=mine)


def finding_table_downloadable(finding: Finding, release_id: int) -> Any:
    """The released table of a published finding (raises Output.DoesNotExist otherwise)."""
    return (
        Output.objects.filter(
            findings=finding, status=Output.Status.RELEASED, release_id=release_id
        )
        .select_related("release")
        .get()
    )


def attachable_uses(finding: Finding) -> QuerySet[ResearchUse]:
    """Recorded uses that may have drawn on the finding: tied to no finding yet, and to no
    project or to the finding's own."""
    return (
        ResearchUse.objects.filter(finding=None)
        .filter(Q(project=None) | Q(project=finding.project_id))
        .order_by("-used_on", "-pk")
    )


def uses_awaiting_confirmation(finding: Finding) -> QuerySet[UseInvitation]:
    """Answers through mailed form links that the research office has not yet decided."""
    return UseInvitation.objects.filter(finding=finding, decided_at=None).exclude(answer={})
