from __future__ import annotations

import copy
import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from steward.dataplane.keys import LocalKeyFile
from steward.dataplane.validation import (
    CatalogError,
    ValidationContext,
    check_file,
    ingest,
    load_catalog,
    parse_catalog,
    validate,
)
from steward.dataplane.validation.ingest import context_from_warehouse
from steward.dataplane.warehouse import Warehouse

FAKE_NAME = "Zebulon Quixotewright"
GRADES = {"KG": "Kindergarten", **{f"{g:02d}": f"Grade {g}" for g in range(1, 13)}}


def element(name, type_, **extra):
    base = {
        "name": name,
        "label": name.replace("_", " ").title(),
        "definition": f"The {name}.",
        "type": type_,
        "required": False,
        "classification": 2,
        "identifier": "none",
    }
    return {**base, **extra}


CATALOG = {
    "classification_levels": [
        {"level": n, "name": f"Level {n}", "meaning": "...", "protections": ["..."]}
        for n in (1, 2, 3, 4)
    ],
    "agencies": [
        {
            "code": "sea",
            "name": "Lakeland Department of Education",
            "kind": "sea",
            "datasets": [
                {
                    "code": "schools",
                    "name": "School directory",
                    "purpose": "...",
                    "frequency": "yearly",
                    "due": "10-01",
                    "years": "2018-2024",
                    "key": ["school_id"],
                    "elements": [
                        element("school_id", "string", required=True),
                        element("school_year", "integer", required=True),
                        element("school_name", "string"),
                    ],
                },
                {
                    "code": "enrollment",
                    "name": "K-12 enrollment snapshot",
                    "purpose": "...",
                    "frequency": "yearly",
                    "due": "11-15",
                    "years": "2018-2024",
                    "key": ["student_id"],
                    "elements": [
                        element(
                            "student_id",
                            "string",
                            required=True,
                            identifier="direct",
                            classification=3,
                        ),
                        element("school_year", "integer", required=True),
                        element(
                            "school_id",
                            "string",
                            required=True,
                            references={"dataset": "schools", "element": "school_id"},
                        ),
                        element("first_name", "string", identifier="direct", classification=3),
                        element("birth_date", "date", required=True, identifier="quasi"),
                        element("grade_level", "code", required=True, codes=GRADES),
                        element("sex", "code", codes={"F": "Female", "M": "Male", "X": "Other"}),
                        element("days_enrolled", "integer", min=0, max=180, unit="days"),
                        element("gpa", "number", min=0, max=4.5),
                        element("econ_disadvantaged", "boolean"),
                    ],
                },
            ],
        }
    ],
}
COLUMNS = [e["name"] for e in CATALOG["agencies"][0]["datasets"][1]["elements"]]
SCHOOLS = ["0101", "0102", "0201"]


@pytest.fixture
def catalog():
    return parse_catalog(copy.deepcopy(CATALOG))


@pytest.fixture
def spec(catalog):
    return catalog.dataset("sea", "enrollment")


def good_rows(n: int = 20, year: int = 2020) -> list[dict]:
    return [
        {
            "student_id": f"S{i:06d}",
            "school_year": str(year),
            "school_id": SCHOOLS[i % 3],
            "first_name": f"Name{i}",
            "birth_date": f"{2010 + i % 5}-0{1 + i % 9}-{10 + i % 18}",
            "grade_level": list(GRADES)[i % 13],
            "sex": "FM"[i % 2],
            "days_enrolled": str(170 + i % 10),
            "gpa": f"{2 + (i % 20) / 10:.1f}",
            "econ_disadvantaged": ["true", "false", ""][i % 3],
        }
        for i in range(n)
    ]


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def context(**extra) -> ValidationContext:
    return ValidationContext(references={"schools.school_id": set(SCHOOLS)}, **extra)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_clean_file_is_accepted_and_converted_to_catalog_types(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows())

    checked = check_file(path, spec, 2020, received=date(2021, 11, 1), context=context())

    assert checked.report.accepted, checked.report.summary()
    assert checked.report.problems == []
    assert {s.rule for s in checked.report.skipped} == {"birth_date_stable", "grade_progression"}
    schema = checked.table.schema
    assert schema.names == COLUMNS
    assert schema.field("school_year").type == pa.int64()
    assert schema.field("birth_date").type == pa.date32()
    assert schema.field("gpa").type == pa.float64()
    assert schema.field("econ_disadvantaged").type == pa.bool_()
    assert checked.table.column("birth_date")[0].as_py() == date(2010, 1, 10)
    assert checked.table.column("econ_disadvantaged").to_pylist()[:3] == [True, False, None]


def break_row(rows: list[dict], index: int, **values) -> list[dict]:
    rows[index].update(values)
    return rows


# Each case: how to spoil a good file, then the (rule, column, failing rows) the report must show.
BAD_FILES = {
    "integer that is not a number": (
        lambda rows: break_row(rows, 3, days_enrolled="17O"),
        ("type", "days_enrolled", [4]),
    ),
    "hexadecimal integer": (
        lambda rows: break_row(rows, 0, days_enrolled="0x10"),
        ("type", "days_enrolled", [1]),
    ),
    "date that does not exist": (
        lambda rows: break_row(rows, 5, birth_date="2011-02-30"),
        ("type", "birth_date", [6]),
    ),
    "date in another format": (
        lambda rows: break_row(rows, 6, birth_date="03/14/2011"),
        ("type", "birth_date", [7]),
    ),
    "number that is not a number": (
        lambda rows: break_row(rows, 2, gpa="n/a"),
        ("type", "gpa", [3]),
    ),
    "boolean that is not a boolean": (
        lambda rows: break_row(rows, 1, econ_disadvantaged="maybe"),
        ("type", "econ_disadvantaged", [2]),
    ),
    "code that is not allowed": (
        lambda rows: break_row(rows, 7, grade_level="13"),
        ("codes", "grade_level", [8]),
    ),
    "value above the range": (
        lambda rows: break_row(rows, 8, days_enrolled="181"),
        ("range", "days_enrolled", [9]),
    ),
    "value below the range": (lambda rows: break_row(rows, 9, gpa="-0.1"), ("range", "gpa", [10])),
    "empty required value": (
        lambda rows: break_row(rows, 10, birth_date=""),
        ("required", "birth_date", [11]),
    ),
    "blank required value": (
        lambda rows: break_row(rows, 11, grade_level="   "),
        ("required", "grade_level", [12]),
    ),
    "duplicate key": (
        lambda rows: break_row(rows, 12, student_id="S000002"),
        ("unique_key", "student_id", [3, 13]),
    ),
    "school that does not exist that year": (
        lambda rows: break_row(rows, 13, school_id="9999"),
        ("references", "school_id", [14]),
    ),
    "row of another year": (
        lambda rows: break_row(rows, 14, school_year="2019"),
        ("year", "school_year", [15]),
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_each_kind_of_bad_value_is_refused_with_its_rows(tmp_path, catalog, case) -> None:
    spoil, (rule, column, rows) = BAD_FILES[case]
    path = write_csv(tmp_path / "2020.csv", spoil(good_rows()))
    warehouse = Warehouse(tmp_path / "data", LocalKeyFile(tmp_path / "keys" / "keys.json"))
    warehouse.write_version("sea", "enrollment", 2020, pa.table({"x": [1]}))
    before = tree_digest(warehouse.root)

    result = ingest(
        warehouse,
        catalog,
        "sea",
        "enrollment",
        2020,
        path,
        received=date(2021, 11, 1),
        context=context(),
    )

    assert not result.accepted and result.version is None
    [problem] = result.report.problems
    assert (problem.rule, problem.column, problem.rows) == (rule, column, rows)
    assert problem.severity == "blocking" and problem.failing == len(rows)
    assert tree_digest(warehouse.root) == before


def test_a_missing_column_is_refused_and_named(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows(), [c for c in COLUMNS if c != "sex"])

    checked = check_file(path, spec, 2020, context=context())

    assert not checked.report.accepted
    assert [(p.rule, p.column) for p in checked.report.problems] == [("missing_column", "sex")]
    assert checked.table is None


def test_an_unknown_column_is_refused_by_position_not_by_name(tmp_path, spec) -> None:
    rows = [{**r, "mothers_maiden_name": "x"} for r in good_rows()]
    path = write_csv(tmp_path / "2020.csv", rows)

    report = validate(path, spec, 2020, context=context())

    assert [(p.rule, p.column) for p in report.problems] == [("unknown_column", "#11")]
    assert "mothers_maiden_name" not in report.to_json()


def test_a_file_without_a_header_row_gets_a_hint_and_no_values(tmp_path, spec) -> None:
    rows = good_rows()
    rows[0]["first_name"] = FAKE_NAME
    path = tmp_path / "2020.csv"
    path.write_text("\n".join(",".join(r.values()) for r in rows) + "\n")

    report = validate(path, spec, 2020, context=context())

    assert not report.accepted
    assert "header row" in report.result("missing_column").message
    assert FAKE_NAME not in report.to_json()
    assert "S000000" not in report.to_json()


def test_a_repeated_column_is_refused(tmp_path, spec) -> None:
    path = tmp_path / "2020.csv"
    rows = good_rows(3)
    lines = [",".join([*COLUMNS, "sex"])] + [",".join([*r.values(), r["sex"]]) for r in rows]
    path.write_text("\n".join(lines) + "\n")

    report = validate(path, spec, 2020, context=context())

    assert [(p.rule, p.column) for p in report.problems] == [("duplicate_column", "sex")]


def test_rows_with_the_wrong_number_of_fields_are_refused_by_row_number(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows(5))
    lines = path.read_text().splitlines()
    lines[3] += f",{FAKE_NAME}"
    path.write_text("\n".join(lines) + "\n")

    report = validate(path, spec, 2020, context=context())

    [problem] = report.problems
    assert (problem.rule, problem.failing, problem.rows) == ("malformed_rows", 1, [3])
    assert FAKE_NAME not in report.to_json()


def test_an_empty_file_is_refused(tmp_path, spec) -> None:
    path = tmp_path / "2020.csv"
    path.write_text("")

    report = validate(path, spec, 2020)

    assert [p.rule for p in report.problems] == ["file_unreadable"]
    assert "empty" in report.problems[0].message


def test_text_that_is_not_utf8_is_refused_naming_the_column(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows(3))
    path.write_bytes(path.read_bytes().replace(b"Name1", b"N\xe9me1"))

    report = validate(path, spec, 2020)

    [problem] = report.problems
    assert problem.rule == "file_unreadable"
    assert "column 4" in problem.message


def test_the_report_never_contains_a_value_from_the_file(tmp_path, spec) -> None:
    rows = good_rows()
    break_row(rows, 4, first_name=FAKE_NAME, birth_date="Quixotewright", student_id="S000001")
    break_row(rows, 5, school_id="SECRET-SCHOOL", grade_level="Zebulon", days_enrolled="Zeb")
    path = write_csv(tmp_path / "2020.csv", rows)

    report = validate(path, spec, 2020, context=context())

    text = report.to_json()
    assert not report.accepted and len(report.problems) == 5
    for value in (FAKE_NAME, "Zebulon", "Quixotewright", "SECRET-SCHOOL", "S000001", "Zeb"):
        assert value not in text


def test_failing_rows_are_counted_in_full_but_listed_up_to_100(tmp_path, spec) -> None:
    rows = [break_row([r], 0, sex="?")[0] for r in good_rows(150)]
    path = write_csv(tmp_path / "2020.csv", rows)

    result = validate(path, spec, 2020, context=context()).result("codes", "sex")

    assert result.failing == 150
    assert result.rows == list(range(1, 101))


def test_surrounding_spaces_are_trimmed_before_checking(tmp_path, spec) -> None:
    rows = break_row(good_rows(3), 0, days_enrolled=" 175 ", sex=" F")
    path = write_csv(tmp_path / "2020.csv", rows)

    checked = check_file(path, spec, 2020, context=context())

    assert checked.report.accepted
    assert checked.table.column("days_enrolled")[0].as_py() == 175


def test_a_parquet_file_is_validated_like_a_csv(tmp_path, spec) -> None:
    rows = break_row(good_rows(), 2, grade_level="13")
    table = pa.Table.from_pylist(rows)
    table = table.set_column(1, "school_year", pa.array([2020] * len(rows)))
    pq.write_table(table, tmp_path / "2020.parquet")

    report = validate(tmp_path / "2020.parquet", spec, 2020, context=context())

    assert [(p.rule, p.rows) for p in report.problems] == [("codes", [3])]


def test_a_late_file_is_accepted_with_a_timeliness_warning(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows())

    report = validate(path, spec, 2020, received=date(2021, 11, 25), context=context())

    assert report.accepted
    assert report.due == "2021-11-15"
    warning = report.result("timeliness")
    assert warning.severity == "warning" and warning.failing == 1
    assert "10 days after" in warning.message


def test_references_are_skipped_and_said_so_when_no_values_are_supplied(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows())

    report = validate(path, spec, 2020)

    assert report.accepted
    assert ("references", "school_id") in {(s.rule, s.column) for s in report.skipped}


def prior_table(rows: list[dict], year: int) -> pa.Table:
    return pa.table(
        {
            "student_id": [r["student_id"] for r in rows],
            "school_year": [year] * len(rows),
            "birth_date": [date.fromisoformat(r["birth_date"]) for r in rows],
            "grade_level": [r["grade_level"] for r in rows],
        }
    )


def with_grades(rows: list[dict], grades: list[str]) -> list[dict]:
    return [{**r, "grade_level": g} for r, g in zip(rows, grades, strict=False)]


def test_a_changed_birth_date_is_a_warning_by_default(tmp_path, spec) -> None:
    before = good_rows(5, 2019)
    now = break_row(good_rows(5), 2, birth_date="2001-01-01")
    path = write_csv(tmp_path / "2020.csv", now)

    report = validate(path, spec, 2020, context=context(prior=prior_table(before, 2019)))

    result = report.result("birth_date_stable")
    assert report.accepted
    assert (result.severity, result.checked, result.failing, result.rows) == ("warning", 5, 1, [3])


def test_a_steward_can_make_a_changed_birth_date_block(tmp_path, spec) -> None:
    before = good_rows(5, 2019)
    now = break_row(good_rows(5), 2, birth_date="2001-01-01")
    path = write_csv(tmp_path / "2020.csv", now)
    strict = context(prior=prior_table(before, 2019), severity={"birth_date_stable": "blocking"})

    report = validate(path, spec, 2020, context=strict)

    assert not report.accepted
    assert report.problems[0].rule == "birth_date_stable"


def test_a_blocking_birth_date_change_leaves_the_warehouse_unchanged(tmp_path, catalog) -> None:
    """Through ingest: the earlier year and the year's first version are in the warehouse; a
    resubmission that changes one student's birth date is refused and nothing is written."""
    warehouse = Warehouse(tmp_path / "data", LocalKeyFile(tmp_path / "keys" / "keys.json"))
    received = date(2021, 1, 1)
    for year in (2019, 2020):
        schools = [{"school_id": s, "school_year": str(year), "school_name": "x"} for s in SCHOOLS]
        schools_csv = write_csv(tmp_path / f"schools{year}.csv", schools)
        assert ingest(
            warehouse, catalog, "sea", "schools", year, schools_csv, received=received
        ).accepted
    for year in (2019, 2020):
        rows = write_csv(tmp_path / f"e{year}.csv", good_rows(5, year))
        assert ingest(
            warehouse, catalog, "sea", "enrollment", year, rows, received=received
        ).accepted
    first_2020 = warehouse.read("sea", "enrollment", 2020)
    before = tree_digest(warehouse.root)
    resubmitted = break_row(good_rows(5), 2, birth_date="2001-01-01")
    strict = context_from_warehouse(
        warehouse,
        catalog.dataset("sea", "enrollment"),
        2020,
        severity={"birth_date_stable": "blocking"},
    )

    result = ingest(
        warehouse,
        catalog,
        "sea",
        "enrollment",
        2020,
        write_csv(tmp_path / "resubmitted.csv", resubmitted),
        received=received,
        context=strict,
    )

    assert not result.accepted and result.version is None
    [problem] = result.report.problems
    assert (problem.rule, problem.severity, problem.rows) == ("birth_date_stable", "blocking", [3])
    assert tree_digest(warehouse.root) == before
    assert warehouse.versions("sea", "enrollment", 2020) == [1]
    assert warehouse.read("sea", "enrollment", 2020).equals(first_2020)


def test_grades_may_stay_or_rise_one_per_year_but_not_fall_or_jump(tmp_path, spec) -> None:
    before = with_grades(good_rows(5, 2019), ["03", "03", "03", "03", "KG"])
    now = with_grades(good_rows(5), ["03", "04", "02", "05", "01"])
    path = write_csv(tmp_path / "2020.csv", now)

    report = validate(path, spec, 2020, context=context(prior=prior_table(before, 2019)))

    result = report.result("grade_progression")
    assert (result.checked, result.rows) == (5, [3, 4])


def test_a_student_away_for_a_year_may_come_back_two_grades_up(tmp_path, spec) -> None:
    before = with_grades(good_rows(2, 2018), ["03", "03"])
    now = with_grades(good_rows(2), ["05", "06"])
    path = write_csv(tmp_path / "2020.csv", now)

    report = validate(path, spec, 2020, context=context(prior=prior_table(before, 2018)))

    assert report.result("grade_progression").rows == [2]


def test_documented_grade_changes_are_not_flagged(tmp_path, spec) -> None:
    before = with_grades(good_rows(2, 2019), ["05", "05"])
    now = with_grades(good_rows(2), ["04", "04"])
    path = write_csv(tmp_path / "2020.csv", now)
    ctx = context(prior=prior_table(before, 2019), documented_grade_changes={"S000001"})

    report = validate(path, spec, 2020, context=ctx)

    assert report.result("grade_progression").rows == [1]


def test_consistency_compares_with_the_latest_prior_year(tmp_path, spec) -> None:
    older = with_grades(good_rows(1, 2018), ["01"])
    newer = with_grades(good_rows(1, 2019), ["04"])
    prior = pa.concat_tables([prior_table(newer, 2019), prior_table(older, 2018)])
    path = write_csv(tmp_path / "2020.csv", with_grades(good_rows(1), ["05"]))

    report = validate(path, spec, 2020, context=context(prior=prior))

    assert report.result("grade_progression").failing == 0


def test_consistency_rules_are_skipped_without_prior_years(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows())

    report = validate(path, spec, 2020, context=context())

    assert {s.rule for s in report.skipped} == {"birth_date_stable", "grade_progression"}


def test_column_stats_count_filled_and_invalid_cells(tmp_path, spec) -> None:
    rows = break_row(good_rows(6), 0, gpa="9", days_enrolled="")
    path = write_csv(tmp_path / "2020.csv", rows)

    report = validate(path, spec, 2020, context=context())

    stats = {c.column: c for c in report.columns}
    assert (stats["gpa"].non_empty, stats["gpa"].invalid) == (6, 1)
    assert (stats["days_enrolled"].non_empty, stats["days_enrolled"].invalid) == (5, 0)
    assert stats["econ_disadvantaged"].non_empty == 4


def test_the_report_is_json_serializable(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", break_row(good_rows(), 0, sex="Q"))

    data = json.loads(validate(path, spec, 2020, received=date(2021, 1, 1)).to_json())

    assert data["accepted"] is False
    assert data["results"][0].keys() >= {"rule", "column", "severity", "failing", "rows"}


def test_an_accepted_file_becomes_a_version_with_typed_columns(tmp_path, catalog) -> None:
    warehouse = Warehouse(tmp_path / "data", LocalKeyFile(tmp_path / "keys" / "keys.json"))
    path = write_csv(tmp_path / "2020.csv", good_rows())

    result = ingest(
        warehouse,
        catalog,
        "sea",
        "enrollment",
        2020,
        path,
        received=date(2021, 11, 1),
        context=context(),
    )

    assert result.accepted and result.version.version == 1
    stored = warehouse.read("sea", "enrollment", 2020)
    assert stored.schema.field("birth_date").type == pa.date32()
    assert stored.num_rows == 20
    assert json.dumps(result.to_dict())


def test_ingest_takes_references_and_prior_years_from_the_warehouse(tmp_path, catalog) -> None:
    warehouse = Warehouse(tmp_path / "data", LocalKeyFile(tmp_path / "keys" / "keys.json"))
    received = date(2021, 1, 1)
    for year in (2019, 2020):
        schools = [{"school_id": s, "school_year": str(year), "school_name": "x"} for s in SCHOOLS]
        schools_csv = write_csv(tmp_path / f"schools{year}.csv", schools)
        assert ingest(
            warehouse, catalog, "sea", "schools", year, schools_csv, received=received
        ).accepted
    first = with_grades(good_rows(4, 2019), ["03"] * 4)
    assert ingest(
        warehouse,
        catalog,
        "sea",
        "enrollment",
        2019,
        write_csv(tmp_path / "e2019.csv", first),
        received=received,
    ).accepted
    now = break_row(with_grades(good_rows(4), ["04", "04", "02", "04"]), 3, school_id="0999")

    result = ingest(
        warehouse,
        catalog,
        "sea",
        "enrollment",
        2020,
        write_csv(tmp_path / "e2020.csv", now),
        received=received,
    )

    assert result.report.result("references").rows == [4]
    assert result.report.result("grade_progression").rows == [3]
    assert not result.accepted
    assert warehouse.versions("sea", "enrollment", 2020) == []


def test_the_catalog_loads_from_yaml(tmp_path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(CATALOG, sort_keys=False))

    catalog = load_catalog(path)

    enrollment = catalog.dataset("sea", "enrollment")
    assert enrollment.key == ("student_id",)
    assert enrollment.due_date(2020) == date(2021, 11, 15)
    assert enrollment.element("grade_level").codes["KG"] == "Kindergarten"
    assert enrollment.element("school_id").references.name == "schools.school_id"
    assert [lv.level for lv in catalog.levels] == [1, 2, 3, 4]


def spoiled(change) -> dict:
    data = copy.deepcopy(CATALOG)
    change(data["agencies"][0]["datasets"][1])
    return data


BAD_CATALOGS = {
    "unknown type": (
        lambda d: d["elements"][5].update(type="grade"),
        "agencies[0].datasets[1].elements[5] (grade_level).type: 'grade' is not one of",
    ),
    "code without codes": (
        lambda d: d["elements"][6].pop("codes"),
        "agencies[0].datasets[1].elements[6] (sex).codes",
    ),
    "key that is not an element": (
        lambda d: d.update(key=["pupil_id"]),
        "agencies[0].datasets[1].key",
    ),
    "undefined classification": (
        lambda d: d["elements"][0].update(classification=7),
        "elements[0] (student_id).classification: 7 is not a defined level",
    ),
    "reference to nothing": (
        lambda d: d["elements"][2].update(references={"dataset": "buildings", "element": "id"}),
        "elements[2] (school_id).references: buildings.id is not an element",
    ),
    "bad due date": (lambda d: d.update(due="11/15"), "agencies[0].datasets[1].due"),
    "min above max": (lambda d: d["elements"][7].update(min=200), "min 200 is above max 180"),
    "unquoted yes/no code": (
        lambda d: d["elements"][6].update(codes={True: "Yes"}),
        "must be quoted text",
    ),
    "repeated element": (
        lambda d: d["elements"].append(d["elements"][0]),
        "element 'student_id' appears twice",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CATALOGS))
def test_a_bad_catalog_entry_is_named_by_its_yaml_path(case) -> None:
    change, expected = BAD_CATALOGS[case]

    with pytest.raises(CatalogError) as err:
        parse_catalog(spoiled(change), source="catalog.yaml")

    assert str(err.value).startswith("catalog.yaml: ")
    assert expected in str(err.value)


def test_a_missing_catalog_file_is_named(tmp_path) -> None:
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog(tmp_path / "nope.yaml")


CHECKED_IN_CATALOG = Path(__file__).parents[2] / "src/steward/catalog/data/catalog.yaml"


def test_the_checked_in_catalog_loads() -> None:
    catalog = load_catalog(CHECKED_IN_CATALOG)

    enrollment = catalog.dataset("sea", "enrollment")
    assert {a.code for a in catalog.agencies} == {"sea", "postsecondary", "workforce"}
    assert enrollment.key == ("student_id",)
    assert enrollment.element("school_id").references.name == "schools.school_id"


def test_the_synthetic_state_passes_validation_year_after_year(tmp_path) -> None:
    from steward.dataplane.synth import generate

    files = tmp_path / "files"
    generate(files, students=300, years=(2019, 2020), seed=11)
    catalog = load_catalog(CHECKED_IN_CATALOG)
    warehouse = Warehouse(tmp_path / "data", LocalKeyFile(tmp_path / "keys" / "keys.json"))
    outcomes = {}
    for agency in catalog.agencies:
        for spec in agency.datasets:  # catalog order puts referenced datasets first
            for year in (2019, 2020):
                path = files / agency.code / spec.code / f"{year}.csv"
                result = ingest(
                    warehouse,
                    catalog,
                    agency.code,
                    spec.code,
                    year,
                    path,
                    received=date(year + 1, 1, 1),
                )
                outcomes[f"{agency.code}/{spec.code}/{year}"] = result.report
                assert result.accepted, result.report.summary()
    enrollment_2020 = outcomes["sea/enrollment/2020"]
    assert enrollment_2020.result("grade_progression").checked > 0
    assert enrollment_2020.result("references", "school_id").checked == enrollment_2020.rows
    assert len(outcomes) == 2 * sum(len(a.datasets) for a in catalog.agencies)


def test_a_key_of_several_columns_is_unique_only_in_combination(tmp_path) -> None:
    data = copy.deepcopy(CATALOG)
    data["agencies"][0]["datasets"][1]["key"] = ["student_id", "school_id"]
    spec = parse_catalog(data).dataset("sea", "enrollment")
    rows = good_rows(6)
    break_row(rows, 1, student_id="S000000", school_id="0201")  # same student, other school
    break_row(rows, 4, student_id="S000003", school_id=rows[3]["school_id"])  # a true repeat
    break_row(rows, 5, student_id="")  # an incomplete key is left to the required rule

    result = validate(write_csv(tmp_path / "2020.csv", rows), spec, 2020).result("unique_key")

    assert (result.column, result.checked, result.rows) == ("student_id,school_id", 5, [4, 5])
