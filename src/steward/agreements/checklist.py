"""The FERPA written-agreement checklist (34 CFR 99.31(a)(6)(iii)(C) and 99.35(a)(3)), and the
obligations a researcher accepts.

Each checklist item is ticked by the liaison and backed by the terms it speaks of: a ticked box
over an empty term is still incomplete. Nobody can sign while any item is incomplete.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from steward.agreements.models import AgreementVersion

FERPA_CHECKLIST: tuple[tuple[str, str], ...] = (
    (
        "purpose_scope_duration",
        "The purpose, scope and duration of the study, and the information to be disclosed, "
        "are stated",
    ),
    ("use_limited", "Use of the data is limited to that purpose"),
    (
        "no_identification",
        "No one other than the named authorized representatives may identify students or parents",
    ),
    (
        "destruction",
        "The data is destroyed (or returned) when no longer needed, within a stated period",
    ),
)
FERPA_LABELS = dict(FERPA_CHECKLIST)


def _backing_problems(version: AgreementVersion) -> dict[str, list[str]]:
    """For each checklist item, the terms that must be filled in for it to hold."""
    grants = version.grants.exists()
    people = version.people.exists()
    return {
        "purpose_scope_duration": [
            message
            for missing, message in (
                (not version.purpose.strip(), "the purpose"),
                (not version.scope_of_work.strip(), "the scope of work"),
                (not (version.starts_on and version.ends_on), "the start and end dates"),
                (not grants, "at least one granted element"),
            )
            if missing
        ],
        "use_limited": ["the allowable uses"] if not version.allowable_use else [],
        "no_identification": [
            message
            for missing, message in (
                (not people, "the named researchers"),
                (
                    not (
                        version.security_transfer.strip()
                        and version.security_storage.strip()
                        and version.security_use.strip()
                    ),
                    "security in transfer, storage and use",
                ),
            )
            if missing
        ],
        "destruction": [
            message
            for missing, message in (
                (not version.disposition, "destroy or return"),
                (not version.disposition_days, "the days allowed for it"),
            )
            if missing
        ],
    }


def ferpa_problems(version: AgreementVersion) -> list[str]:
    """Why the checklist is not complete; empty when every item is ticked and backed."""
    ticked = version.ferpa_checklist or {}
    backing = _backing_problems(version)
    problems = []
    for key, label in FERPA_CHECKLIST:
        if not ticked.get(key):
            problems.append(f"FERPA checklist: “{label}” is not confirmed.")
        if backing[key]:
            problems.append(f"FERPA checklist: “{label}” needs {', '.join(backing[key])}.")
    return problems


def term_problems(version: AgreementVersion) -> list[str]:
    """Terms every agreement needs besides the checklist."""
    problems = []
    if version.starts_on and version.ends_on and version.ends_on < version.starts_on:
        problems.append("The end date is before the start date.")
    if version.sea_signer_id is None:
        problems.append("Name the Department's authorized signer.")
    if version.organization_signer_id is None:
        problems.append("Name the research organization's authorized signer.")
    if version.point_of_contact_id is None:
        problems.append("Name the Department's point of contact.")
    if not version.people.filter(role="pi").exists():
        problems.append("Name a principal investigator.")
    return problems


# The terms a named researcher must keep: when any changes, each accepts again.
OBLIGATION_FIELDS = (
    "allowable_use",
    "security_transfer",
    "security_storage",
    "security_use",
    "legal_compliance",
    "matching_authorized",
    "disposition",
    "disposition_days",
    "interim_findings",
    "feedback",
    "publication_review_days",
)


def obligations_sha256(version: AgreementVersion) -> str:
    values = {name: getattr(version, name) for name in OBLIGATION_FIELDS}
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
