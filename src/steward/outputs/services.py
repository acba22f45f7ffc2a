"""Changing the disclosure rules, protecting a table, and recording a release in the ledger.

Each service is one transaction with its audit entry. Audit summaries carry sizes, versions
and hashes, never a cell's value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from steward.accounts.models import Organization, User
from steward.agenda.models import Project
from steward.core.audit import audit_record
from steward.core.jobs import job_create
from steward.dataplane.sdc import DisclosureRules, RulesError
from steward.dataplane.sdc.ledger import audit_with_ledger
from steward.outputs.models import (
    RULE_FIELDS,
    DisclosureRuleSet,
    ProtectedTable,
    Release,
    population_key,
)
from steward.outputs.sealing import seal, unseal
from steward.outputs.selectors import (
    LEDGER_SECONDS,
    ReleaseVerification,
    release_check,
    rule_set_current,
    rules_in_effect,
)
from steward.outputs.tables import (
    MAX_QUEUED_ROWS,
    MAX_ROWS,
    LeafTable,
    TableInputError,
    certificate_sha256,
    ledger_release,
    protect_table,
    read_table,
    shown_code,
    table_from_sealed,
)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, float) else value


def rule_set_update(
    *,
    actor: User,
    agency: Organization | None,
    values: dict[str, Any],
    note: str = "",
) -> DisclosureRuleSet:
    """Add a new version of an agency's rules (or of the state default, agency None)."""
    if agency is not None and agency.kind != Organization.Kind.AGENCY:
        raise ValidationError(f"{agency.name} is not an agency.")
    try:
        rules = DisclosureRules.from_mapping({k: values[k] for k in RULE_FIELDS if k in values})
    except RulesError as error:
        raise ValidationError(str(error)) from None
    with transaction.atomic():
        _lock(f"rules:{agency.pk if agency else 'state'}")
        current = rule_set_current(agency)
        new = rules.to_dict()
        old = {name: getattr(current, name) for name in RULE_FIELDS} if current else {}
        if current is not None and old == new:
            raise ValidationError("These are the rules in force already; nothing changed.")
        rule_set = DisclosureRuleSet.objects.create(
            agency=agency,
            version=(current.version + 1) if current else 1,
            note=note.strip(),
            created_by=actor,
            **new,
        )
        changed = {
            name: [_text(old.get(name, "")), _text(new[name])]
            for name in RULE_FIELDS
            if old.get(name) != new[name]
        }
        audit_record(
            actor=actor,
            action="outputs.rules_change",
            target=rule_set,
            summary={"scope": rule_set.scope, "version": rule_set.version, "changed": changed},
        )
    return rule_set


def table_protect(
    *,
    actor: User,
    data: bytes,
    name: str,
    dims: Sequence[str],
    count: str,
    denominator: str = "",
    agencies: Sequence[Organization] = (),
) -> ProtectedTable:
    """Protect an uploaded table under the strictest rules of the agencies whose data it holds,
    within the request (up to `MAX_ROWS` leaf rows).

    Raises ValidationError naming the bad column or line; nothing is kept then.
    """
    leaf = _read(data, name, dims, count, denominator, MAX_ROWS)
    return _protect_now(actor, name, leaf, agencies)


PROTECT_JOB = "outputs.table_protect"
# The upload page protects a table of up to this many leaf rows within the request (a second or
# so); a larger one by a job (19,110 rows of the state table take about 14 s, 54,600 about 30 s).
INLINE_ROWS = 1_000


def table_protect_start(
    *,
    actor: User,
    data: bytes,
    name: str,
    dims: Sequence[str],
    count: str,
    denominator: str = "",
    agencies: Sequence[Organization] = (),
) -> ProtectedTable:
    """The upload page's protection: a small table at once, as `table_protect`; a larger one (up
    to `MAX_QUEUED_ROWS`) by a job, the upload kept sealed until the job replaces it with the
    protected table. The file is checked first either way, so a bad one is refused at once."""
    leaf = _read(data, name, dims, count, denominator, MAX_QUEUED_ROWS)
    if len(leaf.rows) <= INLINE_ROWS:
        return _protect_now(actor, name, leaf, agencies)
    effect = rules_in_effect(agencies)
    with transaction.atomic():
        table = _new_table(actor, name, leaf, effect, agencies)
        table.status = ProtectedTable.Status.PROTECTING
        # Only the named columns, checked, and the rules' versions as the request would cite them.
        table.sealed = seal({"rows": list(leaf.rows), "rule_versions": effect.references})
        table.job = job_create(actor=actor, kind=PROTECT_JOB, params={"table": table.pk})
        table.save(update_fields=["status", "sealed", "job"])
        audit_record(
            actor=actor,
            action="outputs.table_protect_queued",
            target=table,
            summary={"rows": len(leaf.rows), "rules": effect.references, "job": str(table.job.pk)},
        )
    return table


def table_protect_run(table: ProtectedTable) -> ProtectedTable:
    """The job's work: protect the sealed upload under the rules fixed when it was uploaded, and
    keep the protected table in its place. Raises TableInputError for a table that cannot be
    protected."""
    upload = unseal(table.sealed)
    leaf = LeafTable(table.filename, tuple(table.dims), table.count_column,
                     table.denominator_column, tuple(upload["rows"]))  # fmt: skip
    references = upload["rule_versions"]
    result = protect_table(leaf, DisclosureRules.from_mapping(table.rules), references)
    with transaction.atomic():
        locked = ProtectedTable.objects.select_for_update().only("status").get(pk=table.pk)
        if locked.status != ProtectedTable.Status.PROTECTING:
            raise TableInputError("this table was finished elsewhere")
        _store_protection(table, result, references, actor=table.created_by)
    return table


LOST = "The protection did not finish (the worker stopped); upload the table again."


def table_protect_lost(table: ProtectedTable) -> bool:
    """A table still being protected whose job has ended, or has run far longer than any table
    takes, is marked as failed and its sealed upload dropped. True when it was."""
    if table.status != ProtectedTable.Status.PROTECTING:
        return False
    job = table.job
    if job is not None and not job.is_finished and not job.is_lost:
        return False
    table_protect_failed(table, LOST)
    table.refresh_from_db()
    return True


def table_protect_failed(table: ProtectedTable, error: str) -> None:
    """The job could not protect the table: say why, and drop the sealed upload."""
    with transaction.atomic():
        updated = ProtectedTable.objects.filter(
            pk=table.pk, status=ProtectedTable.Status.PROTECTING
        ).update(status=ProtectedTable.Status.FAILED, error=error[:2000], sealed=b"")
        if updated:
            audit_record(
                actor=table.created_by,
                action="outputs.table_protect_failed",
                target=table,
                summary={"job": str(table.job_id)},
            )


def _read(data: bytes, name: str, dims, count: str, denominator: str, max_rows: int):
    try:
        return read_table(data, name=name, dims=dims, count=count, denominator=denominator,
                          max_rows=max_rows)  # fmt: skip
    except TableInputError as error:
        raise ValidationError(str(error)) from None


def _protect_now(actor: User, name: str, leaf, agencies: Sequence[Organization]) -> ProtectedTable:
    effect = rules_in_effect(agencies)
    try:
        result = protect_table(leaf, effect.rules, effect.references)
    except TableInputError as error:
        raise ValidationError(str(error)) from None
    with transaction.atomic():
        table = _new_table(actor, name, leaf, effect, agencies)
        _store_protection(table, result, effect.references, actor=actor)
    return table


def _new_table(actor: User, name: str, leaf, effect, agencies) -> ProtectedTable:
    table = ProtectedTable.objects.create(
        created_by=actor,
        filename=name[:200],
        dims=list(leaf.dims),
        count_column=leaf.count,
        denominator_column=leaf.denominator,
        rules=effect.rules.to_dict(),
    )
    table.agencies.set(agencies)
    table.rule_sets.set(effect.rule_sets)
    return table


STORED_FIELDS = ["published", "certificate", "certificate_sha256", "method", "n_cells",
                 "n_suppressed", "passed"]  # fmt: skip


def _store_protection(table: ProtectedTable, result, references: list, *, actor: Any) -> None:
    protection = result.protection
    table.status = ProtectedTable.Status.READY
    table.published = {"columns": result.columns, "rows": result.rows}
    table.certificate = result.certificate
    table.certificate_sha256 = certificate_sha256(result.certificate)
    table.method = protection.method
    table.n_cells = protection.table.n_cells
    table.n_suppressed = protection.n_suppressed
    table.passed = protection.audit.passed
    table.sealed = seal(result.sealed_payload())
    table.save(update_fields=[*STORED_FIELDS, "status", "sealed"])
    audit_record(
        actor=actor,
        action="outputs.table_protect",
        target=table,
        summary={
            "cells": table.n_cells,
            "suppressed": table.n_suppressed,
            "method": table.method,
            "passed": table.passed,
            "rules": references,
            "certificate_sha256": table.certificate_sha256,
        },
    )


def release_record(
    *,
    actor: User,
    protected_table: ProtectedTable,
    title: str,
    population: str,
    source: str,
    project: Project | None = None,
) -> Release:
    """Record a protected table as released, after auditing it with the released tables of the
    same population; refuse it when together they would expose a small group."""
    if protected_table.created_by_id != actor.pk:
        raise ValidationError("Only the person who protected a table can release it.")
    if not protected_table.ready:
        raise ValidationError("This table has not been protected; it cannot be released.")
    if not protected_table.passed:
        raise ValidationError("This table failed its audit; it cannot be released.")
    if source not in Release.Source.values:
        raise ValidationError(f"Unknown source {source!r}.")
    if (source == Release.Source.PROJECT) != (project is not None):
        raise ValidationError("A project's release names its project; the SEA's report names none.")
    title, population = title.strip(), population.strip()
    if not title or not population:
        raise ValidationError("A release needs a title and a population.")
    key = population_key(population)
    payload = unseal(protected_table.sealed)
    new = ledger_release(payload, "new", key)
    rules = DisclosureRules.from_mapping(protected_table.rules)
    with transaction.atomic():
        _lock(f"ledger:{key}")
        earlier = list(Release.objects.filter(population_key=key).order_by("pk"))
        released = [ledger_release(unseal(r.sealed), str(r.pk), key) for r in earlier]
        result = audit_with_ledger(
            new, released, rules, seconds=LEDGER_SECONDS, table=table_from_sealed(payload)
        )
        if not result.complete:
            raise ValidationError(_out_of_time_message(result, {str(r.pk): r for r in earlier}))
        if not result.passed:
            raise ValidationError(_exposure_message(result, {str(r.pk): r for r in earlier}))
        release = Release.objects.create(
            title=title,
            population=population,
            population_key=key,
            source=source,
            project=project,
            protected_table=protected_table,
            dims=protected_table.dims,
            published=protected_table.published,
            certificate=protected_table.certificate,
            certificate_sha256=protected_table.certificate_sha256,
            n_cells=protected_table.n_cells,
            n_suppressed=protected_table.n_suppressed,
            sealed=seal(payload),
            released_by=actor,
        )
        release.rule_sets.set(protected_table.rule_sets.all())
        verified = _verify_or_queue(release, actor=actor)
        audit_record(
            actor=actor,
            action="outputs.release_record",
            target=release,
            summary={
                "source": source,
                "project": project.pk if project else None,
                "cells": release.n_cells,
                "suppressed": release.n_suppressed,
                "audited_with": [int(r) for r in result.overlapping],
                "certificate_sha256": release.certificate_sha256,
                "verified": verified.ok if verified else None,
            },
        )
    return release


VERIFY_JOB = "outputs.release_verify"
# A release's certificate is verified within the request up to this many cells; a larger one by
# a job (the audit of the 105,028-cell state table takes about 20 s, see docs/performance.md).
INLINE_VERIFY_CELLS = 1_500


def release_verify(*, actor: User, release: Release) -> Release:
    """Verify a release's certificate again: re-run the audit of the released table and compare
    it with the certificate. A small release at once; a larger one by a job."""
    if not actor.has_perm("outputs.view_releases"):
        raise ValidationError("Only the keepers of the ledger verify its releases.")
    if release.n_cells <= INLINE_VERIFY_CELLS:
        if release.verifying:
            raise ValidationError(ALREADY_VERIFYING)
        release_verify_run(release, actor=actor)
        return release
    with transaction.atomic():
        # Locked, so that two requests at once (a double click) queue one job, not two.
        locked = (
            Release.objects.select_for_update(of=("self",))
            .select_related("verify_job")
            .only("pk", "verify_job")
            .get(pk=release.pk)
        )
        if locked.verifying:
            raise ValidationError(ALREADY_VERIFYING)
        _queue_verification(locked, actor=actor)
    release.verify_job = locked.verify_job
    return release


ALREADY_VERIFYING = "This release's certificate is already being verified."


def release_verify_run(release: Release, *, actor: Any) -> ReleaseVerification:
    """The verification itself (a job's work for a large release): record the verdict and the
    problems found, with an audit entry."""
    result = release_check(release)
    with transaction.atomic():
        _record_verification(release, result)
        audit_record(
            actor=actor,
            action="outputs.release_verify",
            target=release,
            summary={"ok": result.ok, "problems": list(result.problems)},
        )
    return result


def _verify_or_queue(release: Release, *, actor: User) -> ReleaseVerification | None:
    # At release: a small release is verified at once (its verdict goes in the release's own
    # audit entry); a larger one gets a job, so that recording it waits for one audit only.
    if release.n_cells <= INLINE_VERIFY_CELLS:
        result = release_check(release)
        _record_verification(release, result)
        return result
    _queue_verification(release, actor=actor)
    return None


def _queue_verification(release: Release, *, actor: User) -> None:
    release.verify_job = job_create(actor=actor, kind=VERIFY_JOB, params={"release": release.pk})
    release.save(update_fields=["verify_job"])
    audit_record(
        actor=actor,
        action="outputs.release_verify_queued",
        target=release,
        summary={"job": str(release.verify_job.pk)},
    )


def _record_verification(release: Release, result: ReleaseVerification) -> None:
    release.verified_at = timezone.now()
    release.verified_ok = result.ok
    release.verification_problems = list(result.problems)
    release.save(update_fields=["verified_at", "verified_ok", "verification_problems"])


def _out_of_time_message(result, earlier: dict[str, Release]) -> str:
    named = ", ".join(f"release {earlier[r].pk} ({earlier[r].title})" for r in result.overlapping)
    return (
        f"Refused: this table could not be audited together with {named} within "
        f"{LEDGER_SECONDS:.0f} seconds, so nothing shows that together they expose no small "
        "group. Nothing was recorded. A smaller table (fewer cells) can be audited in time."
    )


def _exposure_message(result, earlier: dict[str, Release]) -> str:
    parts = []
    for exposure in result.exposures:
        where = "; ".join("/".join(shown_code(c) for c in codes) for codes in exposure.atom)
        named = [f"release {earlier[r].pk} ({earlier[r].title})" for r in exposure.releases
                 if r in earlier]  # fmt: skip
        with_whom = " together with " + ", ".join(named) if named else ""
        parts.append(f"the group {where} could be worked out{with_whom}")
    return (
        "Refused: this table cannot be released, because "
        + "; ".join(parts)
        + ". It would show fewer students than the minimum cell size by differencing."
    )


def _lock(name: str) -> None:
    """Serialize writers of one scope (SQLite already queues writers; PostgreSQL needs this)."""
    if connection.vendor == "postgresql":
        number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])
