"""Changes to the agenda, partnerships, projects and plans. Each runs in one transaction with
its audit entry; audit summaries name fields and codes, never free text about people."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.accounts.models import Organization, User
from steward.accounts.roles import Role
from steward.agenda.models import (
    Action,
    AgendaQuestion,
    InterimFinding,
    Meeting,
    Milestone,
    Partnership,
    PartnershipContact,
    PartnershipDocument,
    PartnershipParty,
    PreAnalysisPlan,
    Project,
)
from steward.core.audit import audit_record

QUESTION_FIELDS = frozenset({"title", "description", "policy_area", "priority", "source"})
PARTNERSHIP_FIELDS = frozenset(
    {
        "name",
        "kind",
        "summary",
        "proposes_questions",
        "decides_publication",
        "interprets_findings",
        "disseminates",
        "independence",
        "review_period_days",
        "starts_on",
        "ends_on",
    }
)
PROJECT_FIELDS = frozenset({"title", "summary", "starts_on", "ends_on", "liaison"})

QUESTION_TRANSITIONS: dict[str, set[str]] = {
    AgendaQuestion.Status.OPEN: {AgendaQuestion.Status.IN_PROGRESS, AgendaQuestion.Status.ANSWERED},
    AgendaQuestion.Status.IN_PROGRESS: {AgendaQuestion.Status.OPEN, AgendaQuestion.Status.ANSWERED},
    AgendaQuestion.Status.ANSWERED: {AgendaQuestion.Status.IN_PROGRESS},
}
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    Project.Status.PLANNED: {Project.Status.ACTIVE, Project.Status.WITHDRAWN},
    Project.Status.ACTIVE: {Project.Status.COMPLETED, Project.Status.WITHDRAWN},
    Project.Status.COMPLETED: set(),
    Project.Status.WITHDRAWN: set(),
}


def _require(actor: Any, perm: str, obj: Any = None) -> None:
    if actor is None or not actor.has_perm(perm, obj):
        raise PermissionDenied("You do not have permission to do this.")


def _text(value: str, field: str, *, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"{label} cannot be empty."})
    return value


def _apply(instance: Any, changes: Mapping[str, Any], allowed: frozenset[str]) -> list[str]:
    """Set the allowed fields that differ; return their names. Unknown fields are refused."""
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(unknown)}.")
    changed = []
    for name, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return sorted(changed)


def _check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date comes before the start date."})


def _cas(model: type, pk: int, old: str, new: str, transitions: dict[str, set[str]]) -> None:
    if new not in transitions.get(old, set()):
        raise ValidationError(f"The status cannot go from “{old}” to “{new}”.")
    if model.objects.filter(pk=pk, status=old).update(status=new) != 1:
        raise ValidationError("Someone else changed the status first; reload and try again.")


# The agenda ---------------------------------------------------------------------------------


def question_create(
    *,
    actor: User,
    title: str,
    description: str,
    policy_area: str,
    priority: int,
    source: str,
) -> AgendaQuestion:
    _require(actor, "agenda.manage_agenda")
    question = AgendaQuestion(
        title=_text(title, "title", label="The title"),
        description=_text(description, "description", label="The description"),
        policy_area=_text(policy_area, "policy_area", label="The policy area"),
        priority=priority,
        source=source,
    )
    question.full_clean()
    with transaction.atomic():
        question.save()
        audit_record(
            actor=actor,
            action="agenda.question_created",
            target=question,
            summary={"priority": int(priority), "source": source},
        )
    return question


def question_update(
    *, actor: User, question: AgendaQuestion, changes: Mapping[str, Any]
) -> list[str]:
    """Change a question's wording, area, priority or source; returns the fields changed."""
    _require(actor, "agenda.manage_agenda")
    changed = _apply(question, changes, QUESTION_FIELDS)
    if not changed:
        return []
    question.updated_at = timezone.now()
    question.full_clean()
    with transaction.atomic():
        question.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="agenda.question_updated",
            target=question,
            summary={"fields": changed},
        )
    return changed


def question_set_status(*, actor: User, question: AgendaQuestion, status: str) -> None:
    _require(actor, "agenda.manage_agenda")
    old = question.status
    with transaction.atomic():
        _cas(AgendaQuestion, question.pk, old, status, QUESTION_TRANSITIONS)
        audit_record(
            actor=actor,
            action="agenda.question_status",
            target=question,
            summary={"from": old, "to": status},
        )
    question.status = status


# Partnerships -------------------------------------------------------------------------------


def partnership_create(
    *,
    actor: User,
    name: str,
    kind: str,
    summary: str,
    proposes_questions: str,
    decides_publication: str,
    interprets_findings: str,
    disseminates: str,
    independence: str,
    review_period_days: int,
    starts_on: date,
    ends_on: date | None = None,
    parties: Iterable[tuple[Organization, str]] = (),
) -> Partnership:
    """Record a partnership with its roles-and-responsibilities record and its parties."""
    _require(actor, "agenda.manage_partnerships")
    _check_dates(starts_on, ends_on)
    partnership = Partnership(
        name=_text(name, "name", label="The name"),
        kind=kind,
        summary=_text(summary, "summary", label="The summary"),
        proposes_questions=_text(proposes_questions, "proposes_questions", label="This answer"),
        decides_publication=_text(decides_publication, "decides_publication", label="This answer"),
        interprets_findings=_text(interprets_findings, "interprets_findings", label="This answer"),
        disseminates=_text(disseminates, "disseminates", label="This answer"),
        independence=_text(independence, "independence", label="This answer"),
        review_period_days=review_period_days,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    partnership.full_clean()
    with transaction.atomic():
        partnership.save()
        codes = []
        for organization, role in parties:
            PartnershipParty.objects.create(
                partnership=partnership, organization=organization, role=role.strip()
            )
            codes.append(organization.code)
        audit_record(
            actor=actor,
            action="partnership.created",
            target=partnership,
            summary={"kind": kind, "parties": codes, "review_period_days": review_period_days},
        )
    return partnership


def partnership_update(
    *, actor: User, partnership: Partnership, changes: Mapping[str, Any]
) -> list[str]:
    _require(actor, "agenda.manage_partnerships")
    changed = _apply(partnership, changes, PARTNERSHIP_FIELDS)
    if not changed:
        return []
    _check_dates(partnership.starts_on, partnership.ends_on)
    partnership.full_clean()
    with transaction.atomic():
        partnership.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="partnership.updated",
            target=partnership,
            summary={"fields": changed},
        )
    return changed


def partnership_party_add(
    *, actor: User, partnership: Partnership, organization: Organization, role: str
) -> PartnershipParty:
    _require(actor, "agenda.manage_partnerships")
    role = _text(role, "role", label="The role")
    if partnership.parties.filter(organization=organization).exists():
        raise ValidationError({"organization": f"{organization} is already a party."})
    with transaction.atomic():
        party = PartnershipParty.objects.create(
            partnership=partnership, organization=organization, role=role
        )
        audit_record(
            actor=actor,
            action="partnership.party_added",
            target=partnership,
            summary={"organization": organization.code},
        )
    return party


def partnership_contact_add(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    email: str,
    title: str = "",
    phone: str = "",
    organization: Organization | None = None,
) -> PartnershipContact:
    _require(actor, "agenda.manage_partnerships")
    contact = PartnershipContact(
        partnership=partnership,
        name=_text(name, "name", label="The name"),
        email=_text(email, "email", label="The email address"),
        title=title.strip(),
        phone=phone.strip(),
        organization=organization,
    )
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        audit_record(
            actor=actor,
            action="partnership.contact_added",
            target=partnership,
            summary={"contact": contact.pk},
        )
    return contact


def partnership_document_add(
    *, actor: User, partnership: Partnership, title: str, url: str
) -> PartnershipDocument:
    _require(actor, "agenda.manage_partnerships")
    document = PartnershipDocument(
        partnership=partnership,
        title=_text(title, "title", label="The title"),
        url=_text(url, "url", label="The address"),
        added_by=actor,
    )
    document.full_clean()
    with transaction.atomic():
        document.save()
        audit_record(
            actor=actor,
            action="partnership.document_added",
            target=partnership,
            summary={"document": document.pk},
        )
    return document


# Projects -----------------------------------------------------------------------------------


def _check_liaison(liaison: User) -> None:
    if not liaison.is_active or not liaison.has_role(Role.LIAISON):
        raise ValidationError({"liaison": f"{liaison} is not a research office liaison."})


def _check_people(people: Iterable[User], field: str) -> list[User]:
    people = list(people)
    inactive = [person for person in people if not person.is_active]
    if inactive:
        raise ValidationError({field: "Only active accounts can be named on a project."})
    return people


def project_create(
    *,
    actor: User,
    partnership: Partnership,
    title: str,
    summary: str,
    pi: User,
    liaison: User,
    starts_on: date,
    ends_on: date | None = None,
    questions: Iterable[AgendaQuestion] = (),
    team: Iterable[User] = (),
) -> Project:
    """The research office opens a project (status: planned) and names its PI and liaison."""
    _require(actor, "agenda.create_project")
    _check_liaison(liaison)
    _check_people([pi], "pi")
    team = _check_people(team, "team")
    _check_dates(starts_on, ends_on)
    project = Project(
        partnership=partnership,
        title=_text(title, "title", label="The title"),
        summary=_text(summary, "summary", label="The summary"),
        pi=pi,
        liaison=liaison,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    project.full_clean()
    with transaction.atomic():
        project.save()
        question_ids = [question.pk for question in questions]
        project.questions.set(question_ids)
        project.team.set([member for member in team if member.pk != pi.pk])
        audit_record(
            actor=actor,
            action="project.created",
            target=project,
            summary={"partnership": partnership.pk, "questions": question_ids},
        )
    return project


def project_update(
    *,
    actor: User,
    project: Project,
    changes: Mapping[str, Any],
    questions: Iterable[AgendaQuestion] | None = None,
    team: Iterable[User] | None = None,
) -> list[str]:
    """Change a project's description, dates, liaison, linked questions or team."""
    _require(actor, "agenda.edit_project", project)
    if "liaison" in changes and not actor.has_perm("agenda.manage_agenda"):
        raise PermissionDenied("Only the research office assigns a project's liaison.")
    if changes.get("liaison") is not None:
        _check_liaison(changes["liaison"])
    changed = _apply(project, changes, PROJECT_FIELDS)
    _check_dates(project.starts_on, project.ends_on)
    project.full_clean()
    new_questions = sorted(q.pk for q in questions) if questions is not None else None
    if new_questions is not None and new_questions != sorted(
        project.questions.values_list("pk", flat=True)
    ):
        changed.append("questions")
    new_team = None
    if team is not None:
        new_team = sorted(m.pk for m in _check_people(team, "team") if m.pk != project.pi_id)
        if new_team != sorted(project.team.values_list("pk", flat=True)):
            changed.append("team")
    if not changed:
        return []
    project.updated_at = timezone.now()
    with transaction.atomic():
        fields = [name for name in changed if name in PROJECT_FIELDS]
        project.save(update_fields=[*fields, "updated_at"])
        if "questions" in changed:
            project.questions.set(new_questions)
        if "team" in changed:
            project.team.set(new_team)
        audit_record(
            actor=actor, action="project.updated", target=project, summary={"fields": changed}
        )
    return changed


def project_set_status(*, actor: User, project: Project, status: str) -> None:
    _require(actor, "agenda.edit_project", project)
    old = project.status
    with transaction.atomic():
        _cas(Project, project.pk, old, status, PROJECT_TRANSITIONS)
        audit_record(
            actor=actor,
            action="project.status",
            target=project,
            summary={"from": old, "to": status},
        )
    project.status = status


def project_people(project: Project) -> list[User]:
    """Who may own a milestone or an action: the PI, the team and the liaison."""
    people = {project.pi_id: project.pi, project.liaison_id: project.liaison}
    people.update({member.pk: member for member in project.team.all()})
    return sorted(people.values(), key=lambda person: person.full_name)


def _check_owner(project: Project, owner: User) -> None:
    if owner.pk not in {person.pk for person in project_people(project)}:
        raise ValidationError({"owner": f"{owner} is not on this project."})


def milestone_add(
    *, actor: User, project: Project, title: str, due_on: date, owner: User | None = None
) -> Milestone:
    _require(actor, "agenda.edit_project", project)
    owner = owner or project.pi
    _check_owner(project, owner)
    with transaction.atomic():
        milestone = Milestone.objects.create(
            project=project,
            title=_text(title, "title", label="The title"),
            due_on=due_on,
            owner=owner,
        )
        audit_record(
            actor=actor,
            action="project.milestone_added",
            target=project,
            summary={"milestone": milestone.pk, "due_on": due_on.isoformat()},
        )
    return milestone


def milestone_complete(*, actor: User, milestone: Milestone, on: date | None = None) -> None:
    _require(actor, "agenda.edit_project", milestone.project)
    on = on or timezone.localdate()
    with transaction.atomic():
        done = Milestone.objects.filter(pk=milestone.pk, completed_on__isnull=True).update(
            completed_on=on
        )
        if done != 1:
            raise ValidationError("This milestone is already complete.")
        audit_record(
            actor=actor,
            action="project.milestone_completed",
            target=milestone.project,
            summary={"milestone": milestone.pk},
        )
    milestone.completed_on = on


@dataclass(frozen=True)
class ActionSpec:
    description: str
    owner: User
    due_on: date


def meeting_record(
    *,
    actor: User,
    project: Project,
    held_on: date,
    attendees: str,
    notes: str = "",
    actions: Iterable[ActionSpec] = (),
) -> Meeting:
    """Record a progress meeting, who attended, its notes and the actions it decided."""
    _require(actor, "agenda.edit_project", project)
    attendees = _text(attendees, "attendees", label="The list of attendees")
    actions = list(actions)
    for spec in actions:
        _check_owner(project, spec.owner)
        _text(spec.description, "actions", label="An action's description")
    with transaction.atomic():
        meeting = Meeting.objects.create(
            project=project,
            held_on=held_on,
            attendees=attendees,
            notes=notes.strip(),
            recorded_by=actor,
        )
        Action.objects.bulk_create(
            Action(
                meeting=meeting,
                description=spec.description.strip(),
                owner=spec.owner,
                due_on=spec.due_on,
            )
            for spec in actions
        )
        audit_record(
            actor=actor,
            action="project.meeting_recorded",
            target=project,
            summary={"meeting": meeting.pk, "actions": len(actions)},
        )
    return meeting


def action_add(
    *, actor: User, meeting: Meeting, description: str, owner: User, due_on: date
) -> Action:
    project = meeting.project
    _require(actor, "agenda.edit_project", project)
    _check_owner(project, owner)
    with transaction.atomic():
        action = Action.objects.create(
            meeting=meeting,
            description=_text(description, "description", label="The description"),
            owner=owner,
            due_on=due_on,
        )
        audit_record(
            actor=actor,
            action="project.action_added",
            target=project,
            summary={"action": action.pk, "due_on": due_on.isoformat()},
        )
    return action


def action_complete(*, actor: User, action: Action, on: date | None = None) -> None:
    project = action.meeting.project
    _require(actor, "agenda.edit_project", project)
    on = on or timezone.localdate()
    with transaction.atomic():
        if Action.objects.filter(pk=action.pk, done_on__isnull=True).update(done_on=on) != 1:
            raise ValidationError("This action is already done.")
        audit_record(
            actor=actor,
            action="project.action_done",
            target=project,
            summary={"action": action.pk},
        )
    action.done_on = on


def interim_finding_share(
    *, actor: User, project: Project, title: str, summary: str
) -> InterimFinding:
    """The researchers share a preliminary result with the agency; it is not published."""
    _require(actor, "agenda.edit_project", project)
    with transaction.atomic():
        finding = InterimFinding.objects.create(
            project=project,
            title=_text(title, "title", label="The title"),
            summary=_text(summary, "summary", label="The summary"),
            shared_by=actor,
        )
        audit_record(
            actor=actor,
            action="project.interim_shared",
            target=project,
            summary={"interim_finding": finding.pk},
        )
    return finding


# Pre-analysis plans -------------------------------------------------------------------------


def plan_register(
    *,
    actor: User,
    project: Project,
    questions: str,
    data: str,
    methods: str,
    outcomes: str,
    change_note: str = "",
) -> PreAnalysisPlan:
    """Register the project's plan as its next version. Registered versions never change."""
    _require(actor, "agenda.register_plan", project)
    texts = {
        "questions": _text(questions, "questions", label="The questions or hypotheses"),
        "data": _text(data, "data", label="The data section"),
        "methods": _text(methods, "methods", label="The methods section"),
        "outcomes": _text(outcomes, "outcomes", label="The outcomes section"),
    }
    with transaction.atomic():
        # Lock the project row so that two registrations cannot take the same version number.
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        latest = project.plans.order_by("-version").first()
        if latest is not None:
            if all(getattr(latest, name) == text for name, text in texts.items()):
                raise ValidationError(
                    f"This is the same as version {latest.version}: change the plan first."
                )
            if not change_note.strip():
                raise ValidationError(
                    {"change_note": "Say what changed from the previous version, and why."}
                )
        plan = PreAnalysisPlan.objects.create(
            project=project,
            version=(latest.version + 1) if latest else 1,
            change_note=change_note.strip(),
            registered_by=actor,
            **texts,
        )
        audit_record(
            actor=actor,
            action="plan.registered",
            target=plan,
            summary={"project": project.pk, "version": plan.version},
        )
    return plan
