"""Reads of the disclosure rules, protected tables and the ledger of releases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from django.db.models import QuerySet

from steward.accounts.models import Organization
from steward.dataplane.keys import KeyServiceError
from steward.dataplane.sdc import DisclosureRules, plain_language, strictest, verify_certificate
from steward.outputs.models import DisclosureRuleSet, ProtectedTable, Release
from steward.outputs.sealing import unseal
from steward.outputs.tables import REASON_TEXT, certificate_sha256, table_from_sealed

# How long recording a release may audit it with the overlapping releases (within the request);
# the output review's preview of the ledger allows the same.
LEDGER_SECONDS = 60.0


def agencies() -> QuerySet[Organization]:
    """The agencies whose data may feed an output, the SEA first."""
    return Organization.objects.filter(kind=Organization.Kind.AGENCY).order_by(
        "agency_kind", "name"
    )


def rule_set_current(agency: Organization | None) -> DisclosureRuleSet | None:
    """The version in force for an agency's own rules, or the state default's (agency None)."""
    found = DisclosureRuleSet.objects.select_related("agency")
    found = found.filter(agency=agency) if agency is not None else found.filter(agency__isnull=True)
    return found.order_by("-version").first()


def rule_set_history(agency: Organization | None) -> QuerySet[DisclosureRuleSet]:
    found = DisclosureRuleSet.objects.select_related("agency", "created_by")
    found = found.filter(agency=agency) if agency is not None else found.filter(agency__isnull=True)
    return found.order_by("-version")


@dataclass(frozen=True)
class RulesInEffect:
    """The rules a table must meet, and the versions they were combined from."""

    rules: DisclosureRules
    rule_sets: list[DisclosureRuleSet]

    @property
    def references(self) -> list[dict]:
        return [rule_set.reference() for rule_set in self.rule_sets]

    @property
    def labels(self) -> list[str]:
        return [str(rule_set) for rule_set in self.rule_sets] or ["the built-in defaults"]


def rules_in_effect(feeding: Iterable[Organization] = ()) -> RulesInEffect:
    """The strictest of the state default and each feeding agency's own rules.

    The state default is a floor: an agency's rules can add strictness, never remove it. With no
    rules configured at all, the library's defaults apply.
    """
    sets: list[DisclosureRuleSet] = []
    state = rule_set_current(None)
    if state is not None:
        sets.append(state)
    for agency in feeding:
        own = rule_set_current(agency)
        if own is not None and own not in sets:
            sets.append(own)
    if not sets:
        return RulesInEffect(DisclosureRules(), [])
    return RulesInEffect(strictest(r.to_rules() for r in sets), sets)


@dataclass(frozen=True)
class PublishedRules:
    scope_name: str
    in_effect: RulesInEffect
    text: str
    since: Any


def published_rules() -> list[PublishedRules]:
    """Each agency's rules in force (with the state default), in plain language."""
    rows = []
    for agency in agencies():
        effect = rules_in_effect([agency])
        since = max((r.created_at for r in effect.rule_sets), default=None)
        rows.append(PublishedRules(agency.name, effect, plain_language(effect.rules), since))
    return rows


def protected_tables_of(user: Any) -> QuerySet[ProtectedTable]:
    """A person's own protected tables: nobody else's are ever listed."""
    return ProtectedTable.objects.filter(created_by_id=getattr(user, "pk", None)).order_by(
        "-created_at", "-pk"
    )


def hidden_reasons(table: ProtectedTable) -> dict[int, str]:
    """For the uploader only: why each hidden cell is hidden, in words."""
    if not table.ready:  # the sealed upload, or nothing: no reasons yet
        return {}
    reasons = unseal(table.sealed)["reasons"]
    return {
        int(i): ", ".join(REASON_TEXT.get(r, r) for r in reason.split(","))
        for i, reason in reasons.items()
    }


def releases_visible_to(user: Any) -> QuerySet[Release]:
    if not user.has_perm("outputs.view_releases"):
        return Release.objects.none()
    return Release.objects.select_related("released_by", "project").prefetch_related(
        "rule_sets__agency"
    )


def release_list_visible_to(user: Any) -> QuerySet[Release]:
    """The ledger's listing: without the tables, certificates and sealed cells, which a state
    table makes megabytes each."""
    return releases_visible_to(user).defer("published", "certificate", "sealed")


@dataclass(frozen=True)
class ReleaseVerification:
    ok: bool
    problems: tuple[str, ...]


def release_check(release: Release) -> ReleaseVerification:
    """Re-run the audit of the released table and compare it with its stored certificate."""
    problems: list[str] = []
    if certificate_sha256(release.certificate) != release.certificate_sha256:
        problems.append("the certificate differs from the one recorded (sha256 mismatch)")
    try:
        table = table_from_sealed(unseal(release.sealed))
    except (KeyServiceError, InvalidTag):
        return ReleaseVerification(False, (*problems, "the sealed table cannot be opened"))
    try:
        result = verify_certificate(table, release.certificate)
    except (KeyError, TypeError, ValueError, AttributeError):
        return ReleaseVerification(False, (*problems, "the certificate cannot be read"))
    problems.extend(result.problems)
    return ReleaseVerification(not problems, tuple(problems))
