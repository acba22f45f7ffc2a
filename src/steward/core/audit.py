"""Writing and verifying the audit chain.

Each entry carries the hash of the one before it, so changing or removing any entry breaks
every hash after it. Entries are written inside the transaction of the change they record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from steward.core.models import AuditEntry

GENESIS_HASH = "0" * 64

# Keys that would carry a person's identity; a summary says what changed, never about whom.
FORBIDDEN_SUMMARY_KEYS = frozenset(
    {
        "first_name",
        "middle_name",
        "last_name",
        "name_first",
        "name_last",
        "birth_date",
        "date_of_birth",
        "dob",
        "ssn",
        "student_id",
        "student_name",
    }
)


class AuditError(RuntimeError):
    """An audit entry could not be written as the rules require."""


def _canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON form of the entry's fields."""
    canonical = json.dumps(
        {
            "seq": seq,
            "created_at": _canonical_time(created_at),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "summary": summary,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_summary(summary: dict[str, Any]) -> None:
    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if str(key).lower() in FORBIDDEN_SUMMARY_KEYS:
                    raise AuditError(f"audit summary key {where}{key!r} would record a person.")
                walk(inner, f"{where}{key}.")
        elif isinstance(value, list):
            for inner in value:
                walk(inner, where)
        elif isinstance(value, float):
            raise AuditError(f"audit summary {where.rstrip('.')}: use int or str, not float.")

    walk(summary, "")


def _lock_chain() -> None:
    # SQLite transactions here are IMMEDIATE, so writers already queue; PostgreSQL needs a lock
    # so that two transactions cannot both read the same last entry.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(7377207)")


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise AuditError("audit_record must be called inside transaction.atomic().")
    summary = dict(summary or {})
    _check_summary(summary)
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_label = str(getattr(actor, "email", "") or actor or "system")
    _lock_chain()
    last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
    seq = last.seq + 1 if last else 1
    prev_hash = last.hash if last else GENESIS_HASH
    created_at = timezone.now()
    fields = {
        "seq": seq,
        "created_at": created_at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "summary": summary,
        "prev_hash": prev_hash,
    }
    return AuditEntry.objects.create(hash=entry_hash(**fields), **fields)


def audit_record_now(**kwargs: Any) -> AuditEntry:
    """Record an access that changes nothing else (a view, a download) in its own transaction."""
    with transaction.atomic():
        return audit_record(**kwargs)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    entry_id: int
    reason: str

    def __str__(self) -> str:
        return f"entry #{self.seq} (id {self.entry_id}): {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)


def audit_verify(progress: Callable[[int, int], None] | None = None) -> ChainReport:
    """Walk the chain from the first entry; stop at the first entry that does not verify."""
    total = AuditEntry.objects.count()
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in _entries():
        reason = _entry_problem(entry, prev_hash, expected_seq)
        if reason:
            return ChainReport(checked, ChainBreak(entry.seq, entry.pk, reason))
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
        if progress and checked % 1000 == 0:
            progress(checked, total)
    if progress:
        progress(checked, total)
    return ChainReport(checked, None)


def _entry_problem(entry: AuditEntry, prev_hash: str, expected_seq: int) -> str:
    if entry.seq != expected_seq:
        return f"expected sequence number {expected_seq}; an entry is missing"
    if entry.prev_hash != prev_hash:
        return "its previous-hash does not match the entry before it"
    recomputed = entry_hash(
        seq=entry.seq,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        summary=entry.summary,
        prev_hash=entry.prev_hash,
    )
    if recomputed != entry.hash:
        return "its contents were altered after it was written"
    return ""
