from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from steward.accounts.models import Organization
from steward.core.audit import AuditError, audit_record, audit_verify
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _record(actor, n: int = 3) -> list[AuditEntry]:
    with transaction.atomic():
        return [
            audit_record(actor=actor, action="test.thing", object_type="test", object_id=i)
            for i in range(n)
        ]


def _drop_append_only_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_append_only ON core_auditentry")


def test_entries_form_a_chain_that_verifies(people):
    entries = _record(people["priya"], 3)
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert entries[2].seq == entries[0].seq + 2
    report = audit_verify()
    assert report.intact
    assert report.checked == AuditEntry.objects.count()


def test_audit_verify_command_prints_the_count_when_intact(people, capsys):
    _record(people["priya"])
    call_command("audit", "verify")
    assert f"{AuditEntry.objects.count()} entries verified" in capsys.readouterr().out


def test_update_of_an_audit_entry_is_refused_by_the_database(people):
    entry = _record(people["priya"], 1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="test.rewritten")
    entry.refresh_from_db()
    assert entry.action == "test.thing"


def test_delete_of_an_audit_entry_is_refused_by_the_database(people):
    entry = _record(people["priya"], 1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_update_is_refused_too(people):
    entry = _record(people["priya"], 1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET summary = '{}' WHERE id = %s", [entry.pk])


def test_an_altered_entry_makes_verify_exit_1_naming_it(people):
    entries = _record(people["priya"], 4)
    tampered = entries[1]
    _drop_append_only_triggers()
    AuditEntry.objects.filter(pk=tampered.pk).update(summary={"note": "rewritten"})
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", verbosity=0)
    assert failure.value.returncode == 1
    assert f"entry #{tampered.seq} (id {tampered.pk})" in str(failure.value)
    assert "altered" in str(failure.value)


def test_a_removed_entry_breaks_the_chain_at_the_next_one(people):
    entries = _record(people["priya"], 3)
    _drop_append_only_triggers()
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    report = audit_verify()
    assert not report.intact
    assert report.broken.seq == entries[2].seq


def test_audit_record_outside_a_transaction_is_refused(people, monkeypatch):
    # Every test runs inside a transaction; pretend this call does not.
    monkeypatch.setattr(connections["default"], "in_atomic_block", False)
    with pytest.raises(AuditError, match="inside transaction"):
        audit_record(actor=people["priya"], action="test.thing")


@pytest.mark.parametrize("key", ["last_name", "birth_date", "student_id"])
def test_a_summary_naming_a_person_is_refused(people, key):
    before = AuditEntry.objects.count()
    with pytest.raises(AuditError, match=key), transaction.atomic():
        audit_record(actor=people["priya"], action="test.thing", summary={"rows": {key: "x"}})
    assert AuditEntry.objects.count() == before


def test_an_entry_is_rolled_back_with_the_change_it_records(people):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        organization = Organization.objects.create(name="Temp", code="temp", kind="research")
        audit_record(actor=people["alex"], action="organization.created", target=organization)
        raise RuntimeError("the change fails after its entry was written")
    assert AuditEntry.objects.count() == before
    assert not Organization.objects.filter(code="temp").exists()
