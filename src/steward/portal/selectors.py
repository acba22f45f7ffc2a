"""Reads for the public portal: the research-use log, approved comments, the privacy contact."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL

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


def _any_row(model: type[Model], key: str, outer: str = "id", **equal: str) -> RawSQL:
    """Whether `model` has a row whose `key` is the project row's `outer` column (and whose
    fields in `equal` hold those values), as an `EXISTS` written out once.

    The same subquery as `Exists(model.objects.filter(...))`, which Django resolves and compiles
    afresh on every page at about half a millisecond of CPU each: seven of them were the
    largest part of a project page's first visit."""
    table = model._meta.db_table
    column = model._meta.get_field(key).column
    conditions = [f'"{table}"."{column}" = "{Project._meta.db_table}"."{outer}"']
    conditions += [f'"{table}"."{model._meta.get_field(name).column}" = %s' for name in equal]
    sql = f'EXISTS (SELECT 1 FROM "{table}" WHERE {" AND ".join(conditions)})'  # noqa: S608
    params = tuple(str(value) for value in equal.values())
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611 - names from our models


@cache
def _list_flags() -> dict[str, RawSQL]:
    return {
        "has_parties": _any_row(PartnershipParty, "partnership", outer="partnership_id"),
        "has_questions": _any_row(Project.questions.through, "project"),
        "has_team": _any_row(Project.team.through, "project"),
        "has_plans": _any_row(PreAnalysisPlan, "project"),
        "has_findings": _any_row(Finding, "project", status=Finding.Status.PUBLISHED),
        "has_uses": _any_row(ResearchUse, "project"),
        "has_comments": _any_row(Comment, "project", status=Comment.Status.APPROVED),
    }


def public_project_page(pk: int) -> ProjectPage:
    """One public project and the lists its page shows (raises Project.DoesNotExist).

    The first query reads the project, its partnership and PI, and whether each list has
    anything; then each list that does is read in one query, and an empty one costs none (a
    new project has no team listed, no findings, comments or uses yet)."""
    project = public_projects().prefetch_related(None).annotate(**_list_flags()).get(pk=pk)

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
