from __future__ import annotations

import csv
import json

import pytest

from steward.dataplane.sdc import (
    DisclosureRules,
    TableError,
    protect_rows,
    read_leaf_csv,
    verify_certificate,
)
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


def test_protect_rows_publishes_in_memory_what_protect_csv_writes(tmp_path):
    source, out, cert = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "cert.json"
    write_leaf_csv(source)
    dims = ["district", "school", "grade"]
    protect_csv(source, out, cert, dims, "n", RULES, issued_at="2026-11-28")
    from_text = protect_rows(source.read_text(), dims, "n", RULES)
    rows = list(csv.DictReader(source.open(newline="")))
    from_rows = protect_rows(rows, dims, "n", RULES)
    assert from_text.csv_text == from_rows.csv_text == out.read_text()


def test_protect_rows_codes_rates_with_a_denominator_and_names_its_input_in_errors():
    rows = [
        {"school": "A", "n": "40", "enrolled": "50"},
        {"school": "B", "n": "30", "enrolled": "400"},
    ]
    result = protect_rows(rows, ["school"], "n", RULES, denominator="enrolled")
    assert result.columns == ["school", "n_rate"]
    shown = {codes[0]: value for codes, value in result.cells}
    assert shown == {"Total": "16%", "A": "80%", "B": "8%"}
    with pytest.raises(TableError, match=r"upload, line 3: column 'n' must be a whole count"):
        protect_rows([rows[0], {**rows[1], "n": "2.5"}], ["school"], "n", RULES, name="upload")
