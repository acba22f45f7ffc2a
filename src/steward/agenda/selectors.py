"""Reads of the agenda, partnerships, projects and plans: public ones, and the ones a signed-in
person may see."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from steward.agenda.models import (
    Action,
    AgendaQuestion,
    Meeting,
    Milestone,
    Partnership,
    PartnershipParty,
    PreAnalysisPlan,
    Project,
)

# Public reads -------------------------------------------------------------------------------


def _public_project_rows() -> QuerySet[Project]:
    return Project.objects.filter(status__in=Project.PUBLIC_STATUSES)


def _parties() -> Prefetch:
    return Prefetch(
        "partnership__parties",
        queryset=PartnershipParty.objects.select_related("organization"),
    )


PROJECTS_SHOWN_PER_QUESTION = 5


def public_questions(
    *, status: str = "", projects_shown: int | None = None
) -> QuerySet[AgendaQuestion]:
    """The agenda, by priority, each question with its public projects (the newest
    `projects_shown` of them when given) and how many there are."""
    projects = _public_project_rows().only("pk", "title", "status").order_by("-created_at", "-pk")
    if projects_shown is not None:
        projects = projects[:projects_shown]
    questions = AgendaQuestion.objects.annotate(
        public_project_count=Count(
            "projects", filter=Q(projects__status__in=Project.PUBLIC_STATUSES)
        )
    )
    questions = questions.order_by(*AgendaQuestion._meta.ordering).prefetch_related(
        Prefetch("projects", queryset=projects, to_attr="public_projects")
    )
    if status:
        questions = questions.filter(status=status)
    return questions


def public_question(pk: int) -> AgendaQuestion:
    return public_questions().get(pk=pk)


def public_projects(*, status: str = "") -> QuerySet[Project]:
    """Active and completed projects, newest first, with partners and linked questions."""
    projects = (
        _public_project_rows()
        .select_related("partnership", "pi", "pi__organization")
        .prefetch_related(_parties(), "questions")
    )
    if status:
        projects = projects.filter(status=status)
    return projects


def public_project(pk: int) -> Project:
    """One public project with everything its page shows (raises Project.DoesNotExist)."""
    return (
        public_projects()
        .prefetch_related(
            Prefetch("plans", queryset=_plan_versions(PreAnalysisPlan.objects.all())),
            "team",
        )
        .get(pk=pk)
    )


def public_partnership(pk: int) -> Partnership:
    return Partnership.objects.prefetch_related(
        Prefetch("parties", queryset=PartnershipParty.objects.select_related("organization")),
        "contacts",
        "documents",
        Prefetch("projects", queryset=_public_project_rows(), to_attr="public_projects"),
    ).get(pk=pk)


@dataclass(frozen=True)
class PlanPage:
    """One version of a public project's plan, the version before it, and every version."""

    plan: PreAnalysisPlan
    previous: PreAnalysisPlan | None
    versions: list[PreAnalysisPlan]  # newest first


def public_plan_page(project_id: int, version: int) -> PlanPage:
    """A version of a public project's plan with the version before it and the list of all
    versions, from one query of all the project's versions: a project has a few, and reading
    their texts costs less than two more queries (raises PreAnalysisPlan.DoesNotExist)."""
    versions = list(
        PreAnalysisPlan.objects.filter(
            project_id=project_id, project__status__in=Project.PUBLIC_STATUSES
        )
        .select_related("project", "registered_by")
        .order_by("-version")
    )
    found = next((plan for plan in versions if plan.version == version), None)
    if found is None:
        raise PreAnalysisPlan.DoesNotExist
    previous = next((plan for plan in versions if plan.version < version), None)
    return PlanPage(plan=found, previous=previous, versions=versions)


def _plan_versions(plans: QuerySet[PreAnalysisPlan]) -> QuerySet[PreAnalysisPlan]:
    # One project's versions, newest first (the model's ordering would join the projects).
    only = plans.only("pk", "project_id", "version", "registered_at", "change_note")
    return only.order_by("-version")


def search_public(q: str, *, limit: int = 50) -> dict[str, list[Any]]:
    """Agenda questions and public projects whose words match (findings come with outputs)."""
    q = q.strip()
    if not q:
        return {"questions": [], "projects": [], "findings": []}
    questions = AgendaQuestion.objects.filter(
        Q(title__icontains=q) | Q(description__icontains=q) | Q(policy_area__icontains=q)
    )[:limit]
    projects = (
        _public_project_rows()
        .filter(Q(title__icontains=q) | Q(summary__icontains=q))
        .select_related("partnership")[:limit]
    )
    return {"questions": list(questions), "projects": list(projects), "findings": []}


# The workspace ------------------------------------------------------------------------------


def _may_see_every_project(user: Any) -> bool:
    return user.has_perm("agenda.manage_agenda")


def projects_visible_to(user: Any) -> QuerySet[Project]:
    """The research office sees every project; researchers see the ones they lead or join."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("agenda.use_workspace"):
        return Project.objects.none()
    projects = Project.objects.select_related("partnership", "pi", "liaison")
    if _may_see_every_project(user):
        return projects
    mine = Project.objects.filter(Q(pi=user) | Q(team=user)).values("pk")
    return projects.filter(pk__in=mine)


def projects_readable_by(user: Any) -> QuerySet[Project]:
    """What the API lists: every public project, and the workspace projects the user may see."""
    own = projects_visible_to(user).values("pk")
    return (
        Project.objects.filter(Q(status__in=Project.PUBLIC_STATUSES) | Q(pk__in=own))
        .select_related("partnership", "pi")
        .prefetch_related("questions")
    )


def project_workspace(user: Any, pk: int) -> Project:
    """One project with its timeline, meetings and actions (raises Project.DoesNotExist)."""
    return (
        projects_visible_to(user)
        .prefetch_related(
            "questions",
            "team",
            Prefetch("milestones", queryset=Milestone.objects.select_related("owner")),
            Prefetch(
                "meetings",
                queryset=Meeting.objects.prefetch_related(
                    Prefetch("actions", queryset=Action.objects.select_related("owner"))
                ),
            ),
            "interim_findings__shared_by",
            Prefetch("plans", queryset=PreAnalysisPlan.objects.order_by("-version")),
        )
        .get(pk=pk)
    )


def partnerships_visible_to(user: Any) -> QuerySet[Partnership]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm("agenda.use_workspace"):
        return Partnership.objects.none()
    partnerships = Partnership.objects.annotate(project_count=Count("projects"))
    return partnerships.order_by("name").prefetch_related(
        Prefetch("parties", queryset=PartnershipParty.objects.select_related("organization"))
    )


def questions_visible_to(user: Any) -> QuerySet[AgendaQuestion]:
    """The agenda is public; signed-in staff see it with project counts."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("agenda.use_workspace"):
        return AgendaQuestion.objects.none()
    questions = AgendaQuestion.objects.annotate(project_count=Count("projects"))
    return questions.order_by(*AgendaQuestion._meta.ordering)


# Overdue work -------------------------------------------------------------------------------


def overdue_milestones(today: date | None = None) -> QuerySet[Milestone]:
    today = today or timezone.localdate()
    return Milestone.objects.filter(completed_on__isnull=True, due_on__lt=today).select_related(
        "owner", "project"
    )


def overdue_actions(today: date | None = None) -> QuerySet[Action]:
    today = today or timezone.localdate()
    return Action.objects.filter(done_on__isnull=True, due_on__lt=today).select_related(
        "owner", "meeting__project"
    )


# Differences between plan versions ----------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class SectionDiff:
    name: str
    label: str
    changed: bool
    lines: list[DiffLine]


def plan_differences(older: PreAnalysisPlan, newer: PreAnalysisPlan) -> list[SectionDiff]:
    """Line by line, per section, what changed from one version to the next."""
    sections = []
    for name, label in PreAnalysisPlan.SECTIONS:
        before = getattr(older, name).splitlines()
        after = getattr(newer, name).splitlines()
        lines = []
        for line in difflib.ndiff(before, after):
            code, text = line[:2], line[2:]
            if code == "? ":
                continue  # ndiff's hint lines mark characters; the whole line says enough
            kind = {"+ ": "added", "- ": "removed"}.get(code, "same")
            lines.append(DiffLine(kind, text))
        sections.append(SectionDiff(name, label, before != after, lines))
    return sections
