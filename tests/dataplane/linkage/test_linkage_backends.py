"""Choosing where Splink runs, without starting Spark: dialects, the master, a missing pyspark."""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest

from steward.dataplane import linkage as lk
from steward.dataplane.linkage import backends
from steward.dataplane.linkage.dialect import dialect_for


def test_the_spark_master_is_local_with_two_cores_unless_the_environment_names_one(
    monkeypatch,
):
    monkeypatch.delenv(backends.MASTER_ENV, raising=False)
    assert backends.spark_master() == "local[2]"
    monkeypatch.setenv(backends.MASTER_ENV, "spark://linkage-head:7077")
    assert backends.spark_master() == "spark://linkage-head:7077"


def test_without_pyspark_the_spark_backend_says_to_install_the_extra(monkeypatch):
    # A None entry in sys.modules makes the import fail as if pyspark were not installed.
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    people = pa.table(
        {
            "person_id": ["1"],
            "first_name": ["Ann"],
            "middle_name": [None],
            "last_name": ["Lee"],
            "birth_date": ["2001-02-03"],
        }
    )
    config = lk.LinkageConfig(backend="spark")
    with pytest.raises(lk.BackendUnavailable, match=r"install steward\[spark\]"):
        lk.link(people, people, config=config)


def test_the_privacy_preserving_model_refuses_the_spark_backend():
    config = lk.LinkageConfig(backend="spark")
    with pytest.raises(ValueError, match="backend='duckdb'"):
        lk.link_encoded(pa.table({}), pa.table({}), config=config)


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        lk.LinkageConfig(backend="sqlite")


def test_custom_comparison_sql_is_written_for_each_dialect():
    duck, spark = dialect_for("duckdb"), dialect_for("spark")
    assert duck.lists_overlap("a_l", "a_r") == "list_has_any(a_l, a_r)"
    assert spark.lists_overlap("a_l", "a_r") == "arrays_overlap(a_l, a_r)"
    assert spark.is_hyphen_part("x_r", "x_l") == "array_contains(split(x_l, '-'), x_r)"
    assert duck.is_hyphen_part("x_r", "x_l") == "list_contains(string_split(x_l, '-'), x_r)"


def test_the_hyphen_and_nickname_levels_mean_what_they_say_in_duckdb():
    # The DuckDB fragments, run: a part of a hyphenated name agrees, a substring does not.
    import duckdb

    duck = dialect_for("duckdb")
    table = pa.table(
        {
            "last_l": ["garcia-lopez", "garcia-lopez", "lopez"],
            "last_r": ["lopez", "lope", "garcia-lopez"],
            "v_l": [["bill", "william"], ["ann"], []],
            "v_r": [["william"], ["anna"], ["x"]],
        }
    )
    con = duckdb.connect()
    con.register("t", table)
    hyphen = (
        f"{duck.is_hyphen_part('last_r', 'last_l')} or {duck.is_hyphen_part('last_l', 'last_r')}"
    )
    rows = con.sql(f"select {hyphen}, {duck.lists_overlap('v_l', 'v_r')} from t").fetchall()  # noqa: S608
    assert rows == [(True, True), (False, False), (True, False)]
