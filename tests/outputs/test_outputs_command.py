"""`steward protect`: writes the protected CSV and its certificate, and refuses bad input,
naming the argument or column, without writing anything."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import CommandError, call_command

from steward.dataplane.sdc import DisclosureRules, verify_certificate
from steward.outputs.tables import protect_table, read_table

pytestmark = pytest.mark.django_db

TABLE = "district,school,grade,n\nD1,S1,3,40\nD1,S1,4,35\nD1,S2,3,22\nD1,S2,4,31\n"
TABLE += "D2,S3,3,4\nD2,S3,4,28\nD2,S4,3,25\nD2,S4,4,30\n"
DIMS = "district,school,grade"


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "enrollment.csv"
    path.write_text(TABLE)
    return path


def test_the_command_writes_the_protected_table_and_a_certificate_that_verifies(table, capsys):
    call_command("protect", str(table), dims=DIMS, count="n")
    out = table.with_suffix(".protected.csv")
    cert = json.loads(table.with_suffix(".certificate.json").read_text())
    rows = list(csv.DictReader(out.open()))
    cell = next(r for r in rows if (r["district"], r["school"], r["grade"]) == ("D2", "S3", "3"))
    assert cell["n"] == "*"
    assert all(r["n"] == "*" or int(r["n"]) >= 10 for r in rows)
    assert cert["passed"] and cert["rules_versions"] == []
    assert "value_suppressed" not in cert and all("required" not in c for c in cert["cells"])
    # The page builds the same table: same certificate, and the command's certificate holds.
    leaf = read_table(TABLE.encode(), name="t", dims=DIMS.split(","), count="n")
    page = protect_table(leaf, DisclosureRules())
    assert cert["table"] == page.certificate["table"] and cert["cells"] == page.certificate["cells"]
    assert verify_certificate(page.protection.table, cert).ok
    assert out.read_text() == page.csv_text
    assert "audit passed" in capsys.readouterr().out


def test_the_command_takes_its_rules_from_a_file_or_from_the_agencies_named(
    table, tmp_path, people
):
    from steward.outputs.selectors import agencies
    from steward.outputs.services import rule_set_update

    rules = tmp_path / "rules.yaml"
    rules.write_text("threshold: 30\n")
    call_command("protect", str(table), dims=DIMS, count="n", rules=str(rules))
    cert = json.loads(table.with_suffix(".certificate.json").read_text())
    assert cert["rules"]["threshold"] == 30 and cert["rules_versions"] == [{"file": "rules.yaml"}]

    lde = agencies().get(agency_kind="sea")
    rule_set_update(actor=people["priya"], agency=lde, values={"threshold": 20}, note="test")
    call_command("protect", str(table), dims=DIMS, count="n", agency="lde")
    cert = json.loads(table.with_suffix(".certificate.json").read_text())
    assert cert["rules"]["threshold"] == 20
    assert cert["rules_versions"][0]["scope"] == "lde"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dims": "district,campus", "count": "n"}, "missing column(s) campus"),
        ({"dims": DIMS, "count": "students"}, "missing column(s) students"),
        ({"dims": DIMS, "count": "grade"}, "--count 'grade' is also one of --dims"),
        ({"dims": ",", "count": "n"}, "--dims: name at least one dimension column"),
        ({"dims": DIMS, "count": "n", "agency": "nowhere"}, "--agency nowhere: no such agency"),
        ({"dims": DIMS, "count": "n", "rules": "missing.yaml"}, "--rules missing.yaml: no such"),
        ({"dims": DIMS, "count": "n", "out": "/nonexistent/x.csv"}, "--out /nonexistent/x.csv"),
        ({"dims": DIMS, "count": "n", "audit_seconds": 0}, "--audit-seconds 0: give a number"),
    ],
)
def test_the_command_refuses_bad_input_naming_it_and_writes_nothing(table, options, message):
    with pytest.raises(CommandError) as refused:
        call_command("protect", str(table), **options)
    assert message in str(refused.value)
    assert sorted(p.name for p in table.parent.iterdir()) == ["enrollment.csv"]


def test_the_command_fails_a_table_whose_audit_does_not_finish_in_time(table):
    with pytest.raises(CommandError) as refused:
        call_command("protect", str(table), dims=DIMS, count="n", audit_seconds=1e-9)
    assert "the audit did not finish within 1e-09 s" in str(refused.value)
    assert "--audit-seconds" in str(refused.value)
    cert = json.loads(table.with_suffix(".certificate.json").read_text())
    assert cert["audit_complete"] is False and cert["passed"] is False


def test_the_command_refuses_rules_it_does_not_know(table, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("treshold: 30\n")
    with pytest.raises(CommandError, match="unknown rule 'treshold'"):
        call_command("protect", str(table), dims=DIMS, count="n", rules=str(rules))
    assert not table.with_suffix(".protected.csv").exists()


def test_the_command_refuses_to_overwrite_the_table_itself(table):
    with pytest.raises(CommandError, match="would overwrite the table itself"):
        call_command("protect", str(table), dims=DIMS, count="n", out=str(table))
    assert table.read_text() == TABLE


def test_the_command_says_when_the_certificate_leaves_out_the_intervals(table, capsys, monkeypatch):
    from steward.dataplane.sdc import certificate as certificates

    monkeypatch.setattr(certificates, "INTERVAL_BLOCK", 1)
    call_command("protect", str(table), dims=DIMS, count="n")
    cert = json.loads(table.with_suffix(".certificate.json").read_text())
    assert cert["form"] == "summary" and "cells" not in cert and cert["passed"]
    out = capsys.readouterr().out
    assert "The certificate lists no hidden cell's interval: 4 hidden cells depend on one" in out
