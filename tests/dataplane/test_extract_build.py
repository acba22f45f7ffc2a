"""Extract building on a tiny warehouse: pseudonyms, grants, population, encryption, formats,
codebook, risk and fingerprints."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.dataplane.extract import (
    FORMATS,
    PERSON_ID,
    ExtractError,
    ExtractSpec,
    Population,
    build_extract,
    deliver,
    fingerprint_trace,
    quasi_columns,
    read_extract_table,
    risk_check,
    write_codebook,
)
from steward.dataplane.keys import LocalKeyFile
from steward.dataplane.pseudonym import hmac_params, hmac_sql, pseudonym, pseudonymize
from steward.dataplane.sdc import k_anonymity
from steward.dataplane.warehouse import Warehouse

from .test_extract_fixtures import (
    CATALOG,
    NAME_MARKER,
    catalog_variable,
    crosswalk,
    make_warehouse,
    variable,
)

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))
SEED = b"s" * 32


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Warehouse:
    return make_warehouse(tmp_path_factory.mktemp("extract"))


def spec(*variables, name="v1", project="p1", xw=None) -> ExtractSpec:
    return ExtractSpec(project=project, extract=name, variables=tuple(variables), crosswalk=xw)


def build(warehouse, the_spec, key=KEY_A):
    return build_extract(the_spec, warehouse=warehouse, pseudonym_key=key)


def table_of(warehouse, built, name):
    (found,) = [t for t in built.tables if t.name == name]
    return read_extract_table(warehouse, found.path)


def absence():
    return catalog_variable("sea", "attendance", "days_absent")


def test_pseudonyms_of_a_column_equal_the_reference_hmac():
    ids = pa.array(["1000000001", "1000000002", None, "1000000001"])
    assert pseudonymize(ids, KEY_A, "sea").to_pylist() == [
        pseudonym(KEY_A, "sea", "1000000001"),
        pseudonym(KEY_A, "sea", "1000000002"),
        None,
        pseudonym(KEY_A, "sea", "1000000001"),
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=20),
    st.binary(min_size=16, max_size=100),
)
def test_pseudonyms_agree_with_the_reference_for_any_identifier_and_key(ids, key):
    assert pseudonymize(pa.array(ids), key, "postsecondary").to_pylist() == [
        pseudonym(key, "postsecondary", i) for i in ids
    ]


def test_pseudonyms_keep_their_published_values():
    # HMAC-SHA256 (RFC 2104) of "<agency>:<id>" under the project key, first 32 hex digits:
    # a change here would break every project's joins across refreshes.
    ids = pa.array(["1000000001"])
    assert pseudonymize(ids, KEY_A, "sea").to_pylist() == ["f0223bea2eef88b753f98ff274fca061"]
    assert pseudonym(KEY_A, "postsecondary", "C000001") == "d496d489b6401ff854c95f320bbcfbf4"


@pytest.mark.parametrize("compiled", [True, False], ids=["c-module", "python"])
def test_both_ways_of_keying_a_column_agree_with_the_reference(monkeypatch, compiled):
    from steward.dataplane import pseudonym as module

    if compiled:
        assert module._hmac is not None, "the C module of pseudonyms was not built"
    else:
        monkeypatch.setattr(module, "_hmac", None)
    ids = [
        "1000000001",
        "",
        "é漢字",
        None,
        "1000000001",
        *(str(n) for n in range(600_000, 600_300)),
    ]
    for kind in (pa.string(), pa.large_string(), pa.string_view()):
        column = pa.array(ids, kind)
        chunked = pa.chunked_array([column.slice(0, 3), column.slice(3)])
        for messages in (column, column.slice(2), chunked):
            expected = [
                None if i is None else pseudonym(KEY_A, "sea", i) for i in messages.to_pylist()
            ]
            keyed = module.pseudonym_column(messages, KEY_A, "sea:")
            assert keyed.type == pa.string()
            assert keyed.to_pylist() == expected


def test_the_c_module_refuses_offsets_that_leave_the_data():
    from steward.dataplane.pseudonym import _hmac, _pads

    ipad, opad = _pads(KEY_A)
    offsets = pa.py_buffer(np.array([0, 4, 99], np.int32))
    out = pa.allocate_buffer(64)
    with pytest.raises(ValueError, match="offsets"):
        _hmac.hex_digests(ipad, opad, b"", offsets, 4, b"abcdefgh", out, 32)


def test_the_duckdb_form_of_the_pseudonym_agrees_with_the_reference():
    import duckdb

    con = duckdb.connect()
    try:
        ((value,),) = con.sql(
            f"SELECT {hmac_sql('$m')}", params={**hmac_params(KEY_A), "m": "sea:1000000001"}
        ).fetchall()
    finally:
        con.close()
    assert value == pseudonym(KEY_A, "sea", "1000000001")


@pytest.mark.parametrize("population", [Population(), Population(grades=("06", "07"))])
def test_arrow_selects_the_same_rows_and_columns_as_duckdb(warehouse, monkeypatch, population):
    from steward.dataplane import extract

    n = 60
    source = pa.table(
        {
            "school_year": pa.array(
                [2015 + i % 5 if i % 11 else None for i in range(n)], pa.int32()
            ),
            "student_id": [None if i % 13 == 0 else f"{1000000000 + i % 45}" for i in range(n)],
            "note": [None if i % 7 == 0 else f"n{i}" for i in range(n)],
            "count": pa.array([i for i in range(n)], pa.int64()),
            "share": [i / 7 for i in range(n)],
            "flag": [i % 3 == 0 for i in range(n)],
            "day": [dt.date(2020, 1, 1 + i % 28) for i in range(n)],
        }
    )
    kinds = {"note": "string", "count": "integer", "share": "number", "flag": "boolean"}
    kept = [
        variable("sea", "attendance", element, kind=kinds.get(element, "date"), **years)
        for element, years in [
            ("note", {"first_year": 2016, "last_year": 2018}),
            ("count", {"first_year": 2017, "last_year": 2018}),
            ("share", {"first_year": 2016, "last_year": 2017}),
            ("flag", {"first_year": 2016, "last_year": 2018}),
            ("day", {"first_year": 2018, "last_year": 2018}),
        ]
    ]
    the_spec = spec(*kept)

    def transform():
        selected, prefix = extract._select(
            the_spec, "sea", "student_id", population, [2016, 2017, 2018], kept, source, warehouse
        )
        assert prefix == "sea:"
        return selected

    assert extract._select_plain(source, "student_id", [2016, 2017, 2018], kept, None) is not None
    by_arrow = transform()
    monkeypatch.setattr(extract, "_select_plain", lambda *args: None)
    by_duckdb = transform()
    assert by_arrow.schema == by_duckdb.schema
    assert 0 < by_arrow.num_rows < n
    # DuckDB's semi-join of the population does not keep the rows' order; the file's order
    # carries no meaning (each recipient's copy is ordered by their own key).
    assert sorted(by_arrow.to_pylist(), key=repr) == sorted(by_duckdb.to_pylist(), key=repr)


def test_a_file_written_in_many_row_groups_holds_the_same_rows(warehouse, monkeypatch):
    from steward.dataplane import extract

    whole = build(warehouse, spec(absence(), name="whole"))
    monkeypatch.setattr(extract, "_ROW_GROUP", 7)
    parts = build(warehouse, spec(absence(), name="parts"))
    (path,) = [t.path for t in parts.tables]
    groups = pq.ParquetFile(path, decryption_properties=warehouse.decryption_properties())
    assert groups.metadata.num_row_groups == -(-120 // 7)
    assert parts.rows == whole.rows == 120
    first = table_of(warehouse, whole, "sea_attendance")
    second = table_of(warehouse, parts, "sea_attendance")
    assert second.to_pylist() == first.to_pylist()


def test_pseudonyms_differ_across_projects_for_the_same_student(warehouse):
    first = table_of(
        warehouse, build(warehouse, spec(absence(), project="pa"), KEY_A), "sea_attendance"
    )
    other = table_of(
        warehouse, build(warehouse, spec(absence(), project="pb"), KEY_B), "sea_attendance"
    )
    assert set(first.column(PERSON_ID).to_pylist()).isdisjoint(other.column(PERSON_ID).to_pylist())
    assert first.num_rows == other.num_rows == 120


def test_pseudonyms_stay_the_same_across_refreshes_of_one_project(warehouse):
    first = table_of(warehouse, build(warehouse, spec(absence(), name="v1")), "sea_attendance")
    refresh = table_of(warehouse, build(warehouse, spec(absence(), name="v2")), "sea_attendance")
    assert sorted(first.column(PERSON_ID).to_pylist()) == sorted(
        refresh.column(PERSON_ID).to_pylist()
    )
    assert pseudonym(KEY_A, "sea", "1000000000") in first.column(PERSON_ID).to_pylist()


def test_extract_files_cannot_be_read_without_the_key(warehouse, tmp_path):
    built = build(warehouse, spec(absence(), name="locked"))
    path = built.tables[0].path
    with pytest.raises(OSError):
        pq.read_table(path)
    stranger = Warehouse(warehouse.root, LocalKeyFile(tmp_path / "other" / "keys.json"))
    LocalKeyFile(tmp_path / "other" / "keys.json").create_key("unrelated")
    with pytest.raises(Exception):  # noqa: B017 - pyarrow wraps the missing key variously
        read_extract_table(stranger, path)
    assert NAME_MARKER.encode() not in Path(path).read_bytes()


def test_direct_identifiers_are_dropped_and_birth_date_becomes_birth_year(warehouse):
    granted = [
        catalog_variable("sea", "enrollment", name)
        for name in ("student_id", "first_name", "last_name", "birth_date", "sex")
    ]
    built = build(warehouse, spec(*granted, name="direct"))
    table = table_of(warehouse, built, "sea_enrollment")
    assert table.column_names == [PERSON_ID, "school_year", "birth_year", "sex"]
    assert set(table.column("birth_year").to_pylist()) == {2005, 2006, 2007}
    assert built.tables[0].dropped == ["first_name", "last_name"]
    assert "1000000000" not in table.column(PERSON_ID).to_pylist()


def test_an_element_granted_for_fewer_years_is_empty_outside_them(warehouse):
    narrow = catalog_variable("sea", "attendance", "days_enrolled", first_year=2017, last_year=2017)
    table = table_of(
        warehouse, build(warehouse, spec(absence(), narrow, name="years")), "sea_attendance"
    )
    by_year = {
        year: {
            v
            for y, v in zip(
                table.column("school_year").to_pylist(),
                table.column("days_enrolled").to_pylist(),
                strict=True,
            )
            if y == year
        }
        for year in (2016, 2017, 2018)
    }
    assert by_year == {2016: {None}, 2017: {180}, 2018: {None}}


def test_the_population_keeps_only_students_in_its_grades_and_places(warehouse):
    population = Population.from_text("6-7", "2016", "0001")
    granted = catalog_variable("sea", "attendance", "days_absent", population=population)
    table = table_of(warehouse, build(warehouse, spec(granted, name="pop")), "sea_attendance")
    # In 2016 student i is in grade 6 + i % 6: grades 6-7 at district 0001 are i < 30, i % 6 < 2.
    expected = {pseudonym(KEY_A, "sea", f"{1000000000 + i}") for i in range(30) if i % 6 < 2}
    assert set(table.column(PERSON_ID).to_pylist()) == expected
    assert table.num_rows == 3 * len(expected)


def test_population_text_that_names_no_ids_is_refused_with_its_words():
    with pytest.raises(ExtractError, match="Harbor City"):
        Population.from_text("6-8", "", "Harbor City schools")


def test_linked_college_records_share_the_students_pseudonym(warehouse):
    population = Population.from_text("6-8", "2016", "")
    granted = [
        catalog_variable("sea", "attendance", "days_absent", population=population),
        catalog_variable(
            "postsecondary", "enrollment", "sector", first_year=2018, population=population
        ),
    ]
    built = build(warehouse, spec(*granted, name="linked", xw=crosswalk()))
    college = table_of(warehouse, built, "postsecondary_enrollment")
    school = table_of(warehouse, built, "sea_attendance")
    # College students 0-9 are SEA students 0-9; of those, grades 6-8 in 2016 are i % 6 < 3.
    expected = {pseudonym(KEY_A, "sea", f"{1000000000 + i}") for i in range(10) if i % 6 < 3}
    assert set(college.column(PERSON_ID).to_pylist()) == expected
    assert expected <= set(school.column(PERSON_ID).to_pylist())


def test_college_records_cannot_be_filtered_to_a_school_population_without_a_match(warehouse):
    granted = catalog_variable(
        "postsecondary",
        "enrollment",
        "sector",
        first_year=2018,
        population=Population.from_text("6-8", "", ""),
    )
    with pytest.raises(ExtractError, match="only through a match"):
        build(warehouse, spec(granted, name="nomatch"))


def test_years_missing_from_the_warehouse_are_reported_not_invented(warehouse):
    granted = catalog_variable("sea", "attendance", "days_absent", first_year=2016, last_year=2020)
    built = build(warehouse, spec(granted, name="gaps"))
    assert built.tables[0].missing_years == [2019, 2020]
    assert built.tables[0].years == [2016, 2017, 2018]


ALL_ELEMENTS = sorted(CATALOG)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sets(st.sampled_from(ALL_ELEMENTS), min_size=1, max_size=6), st.sampled_from(FORMATS))
def test_an_element_that_was_not_granted_never_appears_in_any_format(warehouse, granted, fmt):
    variables = [
        catalog_variable(*key, first_year=2016 if key[0] == "sea" else 2018)
        for key in sorted(granted)
    ]
    the_spec = spec(*variables, name="prop", xw=crosswalk())
    built = build(warehouse, the_spec)
    delivered_names: set[str] = set()
    for table_info in built.tables:
        table = read_extract_table(warehouse, table_info.path)
        data = deliver(table, fmt, variables=variables, seed=SEED, fingerprint="abc", title="t")
        delivered_names |= set(_columns_of(data, fmt))
        assert NAME_MARKER.encode() not in data
        assert b"1000000001" not in data and b"C000001" not in data
    allowed = {"person_id", "school_year"} | {v.output for v in variables if v.output}
    assert delivered_names <= allowed
    not_granted = {key[2] for key in ALL_ELEMENTS} - {key[2] for key in granted} - {"school_year"}
    assert not (delivered_names & not_granted)


def _columns_of(data: bytes, fmt: str) -> list[str]:
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(data)).column_names
    if fmt == "csv":
        return pacsv.read_csv(io.BytesIO(data)).column_names
    frame, _ = _read_labelled(data, fmt)
    return list(frame.columns)


def _read_labelled(data: bytes, fmt: str):
    fd = os.memfd_create("test")
    try:
        os.write(fd, data)
        reader = pyreadstat.read_dta if fmt == "dta" else pyreadstat.read_sav
        return reader(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)


@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_stata_and_spss_files_open_with_pyreadstat_and_carry_value_labels(warehouse, fmt):
    variables = [
        catalog_variable("sea", "enrollment", "sex"),
        catalog_variable("sea", "enrollment", "english_learner"),
        catalog_variable("sea", "enrollment", "birth_date"),
    ]
    built = build(warehouse, spec(*variables, name="labels"))
    table = read_extract_table(warehouse, built.tables[0].path)
    data = deliver(
        table, fmt, variables=variables, seed=SEED, fingerprint="fp1234", title="Extract"
    )
    frame, meta = _read_labelled(data, fmt)
    assert {int(k): v for k, v in meta.variable_value_labels["sex"].items()} == {
        1: "F: Female",
        2: "M: Male",
    }
    assert {int(k): v for k, v in meta.variable_value_labels["english_learner"].items()} == {
        0: "No",
        1: "Yes",
    }
    assert dict(zip(meta.column_names, meta.column_labels, strict=True))["sex"] == "Sex"
    assert "fp1234" in meta.file_label
    assert sorted(frame["sex"].dropna().unique().tolist()) == [1.0, 2.0]
    assert len(frame) == 120


def test_the_codebook_describes_each_variable_with_codes_source_years_and_missing_meaning(
    warehouse,
):
    variables = [
        catalog_variable("sea", "enrollment", "sex"),
        catalog_variable("sea", "enrollment", "first_name"),
    ]
    the_spec = spec(*variables, name="book")
    built = build(warehouse, the_spec)
    package = write_codebook(the_spec, built, title="Lakeland <study>")
    saved = json.loads((Path(built.folder) / "datapackage.json").read_text())
    assert saved["resources"][0]["path"] == "sea_enrollment.csv"
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert set(fields) == {"person_id", "school_year", "sex"}
    assert fields["sex"]["constraints"] == {"enum": ["F", "M"]}
    assert fields["sex"]["x-steward-source"] == "sea/enrollment/sex"
    assert fields["sex"]["x-steward-years"] == "2016-2018"
    assert "empty" in fields["sex"]["x-steward-missing"]
    page = (Path(built.folder) / "codebook.html").read_text()
    assert "Lakeland &lt;study&gt;" in page and "F = Female" in page


def test_the_risk_check_matches_k_anonymity_and_lists_rare_combinations(warehouse):
    variables = [
        catalog_variable("sea", "enrollment", n) for n in ("sex", "race_ethnicity", "school_id")
    ]
    table = table_of(warehouse, build(warehouse, spec(*variables, name="risk")), "sea_enrollment")
    quasi = quasi_columns(variables)
    risk = risk_check(table, "sea_enrollment", quasi, k=5)
    assert risk.k == k_anonymity(table, ["school_year", *quasi])
    assert risk.small_records == sum(r["records"] for r in risk.rare)
    assert risk.share == risk.small_records / table.num_rows
    assert all(r["records"] < 5 for r in risk.rare)
    assert set(risk.rare[0]["values"]) == {"school_year", *quasi}


def test_a_leaked_copy_is_traced_to_its_recipient(warehouse):
    table = table_of(warehouse, build(warehouse, spec(absence(), name="leak")), "sea_attendance")
    seeds = {"ana": b"a" * 32, "ben": b"b" * 32, "cat": b"c" * 32}
    leaked = pacsv.read_csv(
        io.BytesIO(
            deliver(
                table, "csv", variables=[absence()], seed=seeds["ben"], fingerprint="x", title="t"
            )
        )
    )
    half = leaked.slice(10, 60)  # a leaked part of the file still points to its recipient
    scores = fingerprint_trace(half, seeds)
    assert max(scores, key=scores.get) == "ben"
    assert scores["ben"] == 1.0 and scores["ana"] < 0.8 and scores["cat"] < 0.8
