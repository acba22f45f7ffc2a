"""Reads for the public portal: the research-use log, approved comments, the privacy contact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from steward.agenda.models import PartnershipParty, PreAnalysisPlan, Project
from steward.agenda.selectors import public_projects
from steward.outputs.findings_selectors import findings_of_project
from steward.outputs.models import Finding
from steward.portal.models import Comment, PrivacyContact, ResearchUse


@dataclass(frozen=True)
class ProjectPage:
    """What a project's public page shows."""

    project: Project
    parties: list[PartnershipParty]
    questions: list[Any]
    team: list[Any]
    plans: list[PreAnalysisPlan]
    findings: list[Finding]
    research_uses: list[ResearchUse]
    comments: list[Comment]


def public_project_page(pk: int) -> ProjectPage:
    """One public project and the lists its page shows (raises Project.DoesNotExist).

    The first query reads the project, its partnership and PI, and whether each list has
    anything; then each list that does is read in one query, and an empty one costs none (a
    new project has no team listed, no findings, comments or uses yet)."""
    here = OuterRef("pk")
    project = (
        public_projects()
        .prefetch_related(None)
        .annotate(
            has_parties=Exists(
                PartnershipParty.objects.filter(partnership_id=OuterRef("partnership_id"))
            ),
            has_questions=Exists(Project.questions.through.objects.filter(project_id=here)),
            has_team=Exists(Project.team.through.objects.filter(project_id=here)),
            has_plans=Exists(PreAnalysisPlan.objects.filter(project_id=here)),
            has_findings=Exists(
                Finding.objects.filter(project_id=here, status=Finding.Status.PUBLISHED)
            ),
            has_uses=Exists(ResearchUse.objects.filter(project_id=here)),
            has_comments=Exists(
                Comment.objects.filter(project_id=here, status=Comment.Status.APPROVED)
            ),
        )
        .get(pk=pk)
    )

    def read(present: bool, rows: QuerySet) -> list:
        return list(rows) if present else []

    return ProjectPage(
        project=project,
        parties=read(
            project.has_parties,
            PartnershipParty.objects.filter(partnership_id=project.partnership_id).select_related(
                "organization"
            ),
        ),
        questions=read(project.has_questions, project.questions.only("pk", "title")),
        team=read(project.has_team, project.team.only("pk", "full_name")),
        plans=read(
            project.has_plans,
            project.plans.only(
                "pk", "project_id", "version", "registered_at", "change_note"
            ).order_by("-version"),
        ),
        findings=read(project.has_findings, findings_of_project(project)),
        research_uses=read(project.has_uses, project.research_uses.all()),
        comments=read(project.has_comments, approved_comments(project)),
    )


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
