"""Findings: written by the project's team from its released outputs, reviewed by the SEA and
the research partner for the partnership's agreed period, then published on the portal; and
the uses districts report through their form links.

Publication needs the research partner's consent and either the SEA's clearance or the end of
the review period: the SEA may review, it may not hold a finding back beyond the agreed days.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.accounts.models import User
from steward.agenda.models import AgendaQuestion, PreAnalysisPlan, Project
from steward.core.audit import audit_record
from steward.outputs.models import Finding, FindingQuestion, Output, UseInvitation
from steward.outputs.review_selectors import is_on_project_team
from steward.portal.models import ResearchUse

TRANSITIONS: dict[str, frozenset[str]] = {
    Finding.Status.DRAFT: frozenset({Finding.Status.IN_REVIEW}),
    Finding.Status.IN_REVIEW: frozenset({Finding.Status.PUBLISHED}),
    Finding.Status.PUBLISHED: frozenset(),
}
TEXT_FIELDS = ("title", "summary", "implications", "limits", "full_report")


def _transition(finding: Finding, new: str, **fields: Any) -> None:
    old = finding.status
    if new not in TRANSITIONS[old]:
        raise ValidationError(f"A finding cannot go from “{old}” to “{new}”.")
    changed = Finding.objects.filter(pk=finding.pk, status=old).update(status=new, **fields)
    if changed != 1:
        raise ValidationError("Someone else changed this finding first; reload the page.")
    finding.status = new
    for name, value in fields.items():
        setattr(finding, name, value)


def _is_liaison(actor: User, project: Project) -> bool:
    return project.liaison_id == actor.pk


def finding_create(
    *,
    actor: User,
    project: Project,
    title: str,
    summary: str,
    implications: str,
    limits: str,
    full_report: str,
    outputs: Sequence[Output],
    answers: Sequence[tuple[AgendaQuestion, str]],
    plan: PreAnalysisPlan | None = None,
    agreement: Any = None,
) -> Finding:
    """A draft finding of the project's team, showing released outputs of the same project."""
    if not is_on_project_team(actor, project):
        raise PermissionDenied("Only the project's principal investigator and team write findings.")
    texts = {
        "title": title,
        "summary": summary,
        "implications": implications,
        "limits": limits,
        "full_report": full_report,
    }
    missing = {
        name: "This part of the finding is needed." for name, v in texts.items() if not v.strip()
    }
    if missing:
        raise ValidationError(missing)
    bad = [
        o.title for o in outputs if o.project_id != project.pk or o.status != Output.Status.RELEASED
    ]
    if bad:
        raise ValidationError(
            {"outputs": f"Not released outputs of this project: {', '.join(bad)}."}
        )
    own_questions = set(project.questions.values_list("pk", flat=True))
    for question, extent in answers:
        if question.pk not in own_questions:
            raise ValidationError({"answers": f"The project does not address “{question}”."})
        if extent not in FindingQuestion.Extent.values:
            raise ValidationError({"answers": f"Unknown extent {extent!r}."})
    if plan is not None and plan.project_id != project.pk:
        raise ValidationError({"plan": "The plan is another project's."})
    if agreement is not None and agreement.project_id != project.pk:
        raise ValidationError({"agreement": "The agreement is another project's."})
    with transaction.atomic():
        finding = Finding.objects.create(
            project=project,
            plan=plan,
            agreement=agreement,
            created_by=actor,
            **{k: v.strip() for k, v in texts.items()},
        )
        finding.outputs.set(outputs)
        FindingQuestion.objects.bulk_create(
            FindingQuestion(finding=finding, question=q, extent=e) for q, e in answers
        )
        audit_record(
            actor=actor,
            action="outputs.finding_create",
            target=finding,
            summary={
                "project": project.pk,
                "outputs": [o.pk for o in outputs],
                "questions": [q.pk for q, _ in answers],
            },
        )
    return finding


def finding_submit_for_review(*, actor: User, finding: Finding) -> Finding:
    """Start the partnership's review period."""
    if not is_on_project_team(actor, finding.project):
        raise PermissionDenied("Only the project's team sends its finding to review.")
    if not finding.outputs.exists():
        raise ValidationError("A finding shows at least one released output.")
    days = finding.project.partnership.review_period_days
    now = timezone.now()
    with transaction.atomic():
        _transition(
            finding,
            Finding.Status.IN_REVIEW,
            review_started_at=now,
            review_ends_at=now + timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action="outputs.finding_review",
            target=finding,
            summary={"review_days": days},
        )
    return finding


def finding_clear(*, actor: User, finding: Finding, party: str) -> Finding:
    """The SEA (the project's liaison) or the research partner (the PI) clears it."""
    if finding.status != Finding.Status.IN_REVIEW:
        raise ValidationError("Only a finding in review is cleared for publication.")
    if party == "sea" and _is_liaison(actor, finding.project):
        fields = {"sea_cleared_by": actor, "sea_cleared_at": timezone.now()}
    elif party == "partner" and finding.project.pi_id == actor.pk:
        fields = {"partner_cleared_by": actor, "partner_cleared_at": timezone.now()}
    else:
        raise PermissionDenied("The SEA's liaison clears for the SEA; the PI for the partner.")
    with transaction.atomic():
        changed = Finding.objects.filter(pk=finding.pk, status=Finding.Status.IN_REVIEW).update(
            **fields
        )
        if changed != 1:
            raise ValidationError("Someone else changed this finding first; reload the page.")
        for name, value in fields.items():
            setattr(finding, name, value)
        audit_record(
            actor=actor, action="outputs.finding_clear", target=finding, summary={"party": party}
        )
    return finding


def publication_blockers(finding: Finding, at: Any = None) -> list[str]:
    """What still stands between a finding in review and its publication."""
    at = at or timezone.now()
    if finding.status != Finding.Status.IN_REVIEW:
        return ["The finding is not in review."]
    blockers = []
    if finding.partner_cleared_at is None:
        blockers.append("The research partner (the PI) has not agreed to publish.")
    if finding.sea_cleared_at is None and at < finding.review_ends_at:
        blockers.append(
            f"The SEA's review period runs until {timezone.localdate(finding.review_ends_at)}, "
            "unless the SEA clears it earlier."
        )
    return blockers


def finding_publish(*, actor: User, finding: Finding) -> Finding:
    """Put the finding on the portal; the agenda questions it answers show as answered (or,
    when partly answered, in progress)."""
    project = finding.project
    if not (_is_liaison(actor, project) or project.pi_id == actor.pk):
        raise PermissionDenied("The project's liaison or its PI publishes the finding.")
    blockers = publication_blockers(finding)
    if blockers:
        raise ValidationError(" ".join(blockers))
    now = timezone.now()
    with transaction.atomic():
        _transition(finding, Finding.Status.PUBLISHED, published_at=now, published_by=actor)
        answered = [
            a.question_id
            for a in finding.answers.all()
            if a.extent == FindingQuestion.Extent.ANSWERS
        ]
        partly = [
            a.question_id
            for a in finding.answers.all()
            if a.extent == FindingQuestion.Extent.PARTLY
        ]
        AgendaQuestion.objects.filter(pk__in=answered).exclude(
            status=AgendaQuestion.Status.ANSWERED
        ).update(status=AgendaQuestion.Status.ANSWERED, updated_at=now)
        AgendaQuestion.objects.filter(pk__in=partly, status=AgendaQuestion.Status.OPEN).update(
            status=AgendaQuestion.Status.IN_PROGRESS, updated_at=now
        )
        audit_record(
            actor=actor,
            action="outputs.finding_publish",
            target=finding,
            summary={"answered": answered, "partly_answered": partly},
        )
    return finding


def use_invitation_create(*, actor: User, finding: Finding, district_name: str) -> UseInvitation:
    """A form link for a district to say how it used a published finding."""
    if not actor.has_perm("portal.record_research_use"):
        raise PermissionDenied("The research office sends form links.")
    if not finding.is_published:
        raise ValidationError("Ask about the use of a published finding only.")
    if not district_name.strip():
        raise ValidationError({"district_name": "Name the district."})
    with transaction.atomic():
        invitation = UseInvitation.objects.create(
            finding=finding,
            district_name=district_name.strip()[:200],
            token=secrets.token_urlsafe(24),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="outputs.use_invitation",
            target=invitation,
            summary={"finding": finding.pk},
        )
    return invitation


def _checked_answer(kind: str, description: str, used_on: date) -> None:
    if kind not in (ResearchUse.Kind.DISTRICT, ResearchUse.Kind.POLICY):
        raise ValidationError({"kind": "A district reports a district use or a policy decision."})
    if not description.strip():
        raise ValidationError({"description": "Say how the finding was used."})
    if used_on > timezone.localdate():
        raise ValidationError({"used_on": "The date of the use cannot be in the future."})


def _district_use(invitation: UseInvitation, answer: dict[str, Any], recorder: Any) -> ResearchUse:
    finding = invitation.finding
    use = ResearchUse(
        kind=answer["kind"],
        description=answer["description"],
        used_by=invitation.district_name,
        used_on=date.fromisoformat(answer["used_on"]),
        source=answer["source"] or f"Reported by {invitation.district_name} through its form link",
        project=finding.project,
        finding=finding,
        recorded_by=recorder,
    )
    use.full_clean(exclude=["recorded_by"])
    use.save()
    return use


def finding_use_report(
    *,
    actor: Any,
    invitation: UseInvitation,
    kind: str,
    description: str,
    used_on: date,
    source: str,
) -> ResearchUse | None:
    """A district's answer through its form link. A link the research office made goes
    straight into the public research-use log; a link mailed by a periodic ask holds its answer
    until the research office confirms it (returns None then)."""
    _checked_answer(kind, description, used_on)
    answer = {
        "kind": kind,
        "description": description.strip(),
        "used_on": used_on.isoformat(),
        "source": source.strip()[:500],
    }
    recorder = actor if getattr(actor, "pk", None) else None
    now = timezone.now()
    with transaction.atomic():
        if invitation.survey_id is not None:
            held = UseInvitation.objects.filter(pk=invitation.pk, answered_at=None).update(
                answer=answer, answered_at=now
            )
            if held != 1:
                raise ValidationError("This form link has been answered already.")
            invitation.answer, invitation.answered_at = answer, now
            audit_record(
                actor=actor,
                action="research_use.reported_for_confirmation",
                target=invitation,
                summary={"finding": invitation.finding_id, "kind": kind},
            )
            return None
        use = _district_use(invitation, answer, recorder)
        UseInvitation.objects.filter(pk=invitation.pk).update(answered_at=now, use=use)
        audit_record(
            actor=actor,
            action="research_use.reported",
            target=use,
            summary={"finding": invitation.finding_id, "invitation": invitation.pk, "kind": kind},
        )
    return use


def finding_use_decide(
    *, actor: User, invitation: UseInvitation, confirm: bool
) -> ResearchUse | None:
    """The research office confirms a held answer (it enters the public log) or declines it."""
    if not actor.has_perm("portal.record_research_use"):
        raise PermissionDenied("The research office keeps the research-use log.")
    if not invitation.awaits_confirmation:
        raise ValidationError("This answer is not waiting for confirmation.")
    now = timezone.now()
    with transaction.atomic():
        changed = UseInvitation.objects.filter(pk=invitation.pk, decided_at=None).update(
            decided_at=now, decided_by=actor
        )
        if changed != 1:
            raise ValidationError("Someone else decided this answer first.")
        invitation.decided_at, invitation.decided_by = now, actor
        use = _district_use(invitation, invitation.answer, actor) if confirm else None
        if use is not None:
            UseInvitation.objects.filter(pk=invitation.pk).update(use=use)
            invitation.use = use
        audit_record(
            actor=actor,
            action="research_use.confirmed" if confirm else "research_use.declined",
            target=invitation,
            summary={"finding": invitation.finding_id, "use": use.pk if use else None},
        )
    return use


def finding_use_record(
    *,
    actor: User,
    finding: Finding,
    kind: str,
    description: str,
    used_by: str,
    used_on: date,
    source: str,
    source_url: str = "",
) -> ResearchUse:
    """Record a use the research office learned of directly against the finding it drew on."""
    if not actor.has_perm("portal.record_research_use"):
        raise PermissionDenied("The research office keeps the research-use log.")
    if not finding.is_published:
        raise ValidationError("A use draws on a published finding.")
    use = ResearchUse(
        kind=kind,
        description=description.strip(),
        used_by=used_by.strip(),
        used_on=used_on,
        source=source.strip(),
        source_url=source_url.strip(),
        project=finding.project,
        finding=finding,
        recorded_by=actor,
    )
    use.full_clean()
    with transaction.atomic():
        use.save()
        audit_record(
            actor=actor,
            action="research_use.recorded",
            target=use,
            summary={"kind": kind, "project": finding.project_id, "finding": finding.pk},
        )
    return use


def research_use_attach(*, actor: User, use: ResearchUse, finding: Finding) -> ResearchUse:
    """Say which published finding a recorded use drew on (a use of another project, or one
    already tied to a finding, is refused)."""
    if not actor.has_perm("portal.record_research_use"):
        raise PermissionDenied("The research office keeps the research-use log.")
    if not finding.is_published:
        raise ValidationError("A use draws on a published finding.")
    if use.project_id not in (None, finding.project_id):
        raise ValidationError("This use is recorded against another project.")
    with transaction.atomic():
        changed = ResearchUse.objects.filter(pk=use.pk, finding=None).update(
            finding=finding, project=finding.project
        )
        if changed != 1:
            raise ValidationError("This use is already tied to a finding.")
        use.finding, use.project = finding, finding.project
        audit_record(
            actor=actor, action="research_use.attached", target=use, summary={"finding": finding.pk}
        )
    return use
