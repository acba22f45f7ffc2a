from __future__ import annotations

import csv
import json

from steward.dataplane.sdc import DisclosureRules, read_leaf_csv, verify_certificate
from steward.dataplane.sdc.cli import protect_csv

RULES = DisclosureRules()


def write_leaf_csv(path):
    rows = [
        ("Harbor City", "Harbor High", "9", 120),
        ("Harbor City", "Harbor High", "10", 110),
        ("Harbor City", "Bayside", "9", 45),
        ("Harbor City", "Bayside", "10", 6),
        ("North Pines", "Pines K-12", "9", 14),
        ("North Pines", "Pines K-12", "10", 12),
    ]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["district", "school", "grade", "n"])
        writer.writerows(rows)


def test_protect_csv_writes_every_margin_nests_schools_and_hides_small_cells(tmp_path):
    source, out, cert = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "cert.json"
    write_leaf_csv(source)
    result = protect_csv(
        source, out, cert, ["district", "school", "grade"], "n", RULES, issued_at="2026-11-28"
    )
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    shown = {(r["district"], r["school"], r["grade"]): r["n"] for r in rows}
    assert shown[("Harbor City", "Bayside", "10")] == "*"
    assert shown[("Total", "Total", "Total")] == "305"
    assert ("Harbor City", "Total", "9") in shown  # the district margin
    for value in shown.values():
        assert value == "*" or int(value) >= RULES.threshold
    certificate = json.loads(cert.read_text())
    assert certificate["passed"] and certificate["issued_at"] == "2026-11-28"
    assert result.audit.passed
    assert verify_certificate(result.table, certificate).ok
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left behind


def test_read_leaf_csv_builds_a_flat_table_with_totals(tmp_path):
    source = tmp_path / "in.csv"
    write_leaf_csv(source)
    table = read_leaf_csv(source, ["school", "grade"], "n")
    assert table.value("Total", "Total") == 307
