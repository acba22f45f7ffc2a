"""Reads of output review: who sees which outputs, the cells as the engine marked them, the
project's earlier outputs, the ledger's differencing check, and who may check what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from steward.accounts.models import Organization
from steward.accounts.roles import Role
from steward.agenda.models import Project
from steward.dataplane.sdc import DisclosureRules
from steward.dataplane.sdc.ledger import audit_with_ledger
from steward.outputs.models import Output, OutputCheck, Release, population_key
from steward.outputs.sealing import unseal
from steward.outputs.selectors import LEDGER_SECONDS
from steward.outputs.tables import ledger_release, shown_code, table_from_sealed

HISTORY_STATUSES = (
    Output.Status.RELEASED,
    Output.Status.REJECTED,
    Output.Status.WITHDRAWN,
    Output.Status.CHANGES,
)


def is_on_project_team(user: Any, project: Project) -> bool:
    """The PI or a member of the research team."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    return project.pi_id == pk or project.team.filter(pk=pk).exists()


def contributing_agencies(project: Project) -> tuple[list[Organization], str]:
    """The agencies whose data the project holds, and where that was read: its agreements'
    grants, or (before any agreement) the elements its approved request was granted."""
    from steward.agreements.models import Grant

    granted = Organization.objects.filter(
        pk__in=Grant.objects.filter(version__agreement__project=project).values("agency_id")
    )
    if granted.exists():
        return list(granted.order_by("name")), "agreement"
    from steward.access.models import RequestedElement

    approved = Organization.objects.filter(
        pk__in=RequestedElement.objects.filter(
            request__project=project,
            request__status="approved",
            signoff=RequestedElement.Signoff.APPROVED,
        ).values("agency_id")
    )
    if approved.exists():
        return list(approved.order_by("name")), "request"
    return [], ""


def outputs_visible_to(user: Any) -> QuerySet[Output]:
    """The research office and the privacy officer see every output; a data steward the ones
    holding their agency's data; researchers their own projects' outputs."""
    if not getattr(user, "is_authenticated", False):
        return Output.objects.none()
    outputs = Output.objects.select_related("project", "submitted_by")
    roles = user.role_names
    if roles & {str(Role.LIAISON), str(Role.PRIVACY_OFFICER)}:
        return outputs
    visible = Q(project__pi=user) | Q(project__team=user)
    if str(Role.STEWARD) in roles and user.organization_id:
        visible |= Q(agencies=user.organization_id)
    return outputs.filter(pk__in=Output.objects.filter(visible).values("pk"))


def outputs_to_check_by(user: Any) -> list[Output]:
    """Outputs with the checkers for which this person holds a free checker's place."""
    waiting = outputs_visible_to(user).filter(status=Output.Status.IN_REVIEW)
    waiting = waiting.prefetch_related("checks", "agencies")
    return [o for o in waiting if checker_slot(user, o)[0]]


def checker_slot(user: Any, output: Output) -> tuple[str, str]:
    """The checker's place this person may take on this output, or ("", why not)."""
    if not getattr(user, "is_authenticated", False):
        return "", "Sign in to check outputs."
    if output.submitted_by_id == user.pk or is_on_project_team(user, output.project):
        return "", "A submitter never checks their own output, nor does the project's team."
    if output.status != Output.Status.IN_REVIEW:
        return "", "This output is not waiting for checkers."
    checks = list(output.checks.all())
    if any(c.checker_id == user.pk for c in checks):
        return "", "You have checked this output already; the second check must be someone else's."
    taken = {c.kind for c in checks}
    if output.project.liaison_id == user.pk and OutputCheck.Kind.LIAISON not in taken:
        return OutputCheck.Kind.LIAISON, ""
    if (
        user.has_role(Role.STEWARD)
        and OutputCheck.Kind.STEWARD not in taken
        and any(a.pk == user.organization_id for a in output.agencies.all())
    ):
        return OutputCheck.Kind.STEWARD, ""
    return "", (
        "The checkers are the project's SEA liaison and a data steward of an agency whose data "
        "the output holds."
    )


@dataclass(frozen=True)
class MarkedCell:
    codes: list[str]
    value: str
    unsafe: bool
    reason: str


def output_cells(output: Output) -> list[MarkedCell]:
    """The submitted cells as the engine marked them (for those who may see the output)."""
    payload = unseal(output.sealed)
    reasons = payload.get("reasons", {})
    return [
        MarkedCell(row["codes"], row["value"], str(i) in reasons, reasons.get(str(i), ""))
        for i, row in enumerate(payload["rows"])
    ]


def output_columns(output: Output) -> list[str]:
    return unseal(output.sealed)["columns"]


def project_history(output: Output) -> QuerySet[Output]:
    """The project's other outputs that were released, rejected, withdrawn or sent back."""
    return (
        Output.objects.filter(project_id=output.project_id, status__in=HISTORY_STATUSES)
        .exclude(pk=output.pk)
        .select_related("submitted_by", "release")
        .order_by("-submitted_at", "-pk")
    )


@dataclass(frozen=True)
class LedgerPreview:
    passed: bool
    message: str
    audited_with: list[Release]


def ledger_preview(output: Output) -> LedgerPreview | None:
    """The ledger's differencing check of this table against every release of its population,
    as it would run at release; None for a model's results."""
    if not output.is_table:
        return None
    payload = unseal(output.sealed)
    key = population_key(output.population)
    earlier = list(Release.objects.filter(population_key=key).order_by("pk"))
    released = [ledger_release(unseal(r.sealed), str(r.pk), key) for r in earlier]
    new = ledger_release(payload["protected"], "new", key)
    rules = DisclosureRules.from_mapping(output.rules)
    table = table_from_sealed(payload["protected"])
    result = audit_with_ledger(new, released, rules, seconds=LEDGER_SECONDS, table=table)
    by_id = {str(r.pk): r for r in earlier}
    overlapping = [by_id[r] for r in result.overlapping if r in by_id]
    if not result.complete:
        return LedgerPreview(
            False,
            f"The ledger could not audit it with the releases of its population within "
            f"{LEDGER_SECONDS:.0f} seconds; it would refuse it.",
            overlapping,
        )
    if result.passed:
        return LedgerPreview(
            True, "No released table can be differenced with this one.", overlapping
        )
    parts = []
    for exposure in result.exposures:
        where = "; ".join("/".join(shown_code(c) for c in codes) for codes in exposure.atom)
        named = [
            f"release {by_id[r].pk} ({by_id[r].title})" for r in exposure.releases if r in by_id
        ]
        parts.append(f"the group {where} could be worked out with " + ", ".join(named))
    return LedgerPreview(
        False, "The ledger would refuse it: " + "; ".join(parts) + ".", overlapping
    )
