"""The clear-text linkage on Spark (local[2]) gives what it gives on DuckDB. `make test-spark`."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
import pytest

from steward.dataplane import linkage as lk
from steward.dataplane.linkage import backends
from steward.dataplane.linkage.result import CROSSWALK_SCHEMA, PAIR_SCHEMA
from steward.dataplane.synth import generate

pytestmark = pytest.mark.spark

F1_FLOOR = 0.95  # both backends, on a state of 300 students
OVERLAP_FLOOR = 0.97  # shared links / links of either backend


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for every Spark test; each run takes a session of its own."""
    session = backends.spark_session(master="local[2]")
    yield session
    session.stop()
    # py4j says goodbye at INFO when the interpreter exits, after pytest closed its streams.
    logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("spark-state")
    generate(folder, students=300, years=(2015, 2019), seed=11)
    return folder


@pytest.fixture(scope="module")
def people(state) -> tuple[pa.Table, pa.Table]:
    return lk.read_agency_people(state, "sea"), lk.read_agency_people(state, "postsecondary")


def _link(people, backend: str) -> lk.LinkageResult:
    config = lk.LinkageConfig(other_agency="postsecondary", backend=backend)
    return lk.link(*people, config=config)


@pytest.fixture(scope="module")
def on_duckdb(people) -> lk.LinkageResult:
    return _link(people, "duckdb")


@pytest.fixture(scope="module")
def on_spark(spark, people) -> lk.LinkageResult:
    return _link(people, "spark")


def _pairs(result: lk.LinkageResult) -> set[tuple[str, str]]:
    p = result.pairs
    return set(zip(p["sea_id"].to_pylist(), p["other_id"].to_pylist(), strict=True))


def test_spark_and_duckdb_both_reach_the_f1_floor_and_make_nearly_the_same_links(
    state, on_duckdb, on_spark
):
    truth = lk.read_truth(state, "postsecondary")
    assert lk.evaluate(on_duckdb, truth).f1 >= F1_FLOOR
    assert lk.evaluate(on_spark, truth).f1 >= F1_FLOOR
    duck, spark = _pairs(on_duckdb), _pairs(on_spark)
    assert len(duck & spark) / len(duck | spark) >= OVERLAP_FLOOR


def test_a_spark_run_gives_results_of_the_same_shape_as_duckdb(on_duckdb, on_spark):
    assert on_spark.pairs.schema == on_duckdb.pairs.schema == PAIR_SCHEMA
    assert on_spark.crosswalk.schema == on_duckdb.crosswalk.schema == CROSSWALK_SCHEMA
    assert on_spark.crosswalk.num_rows == on_duckdb.crosswalk.num_rows
    assert on_spark.candidates.column_names == on_duckdb.candidates.column_names
    levels = [(p["comparison"], p["level"]) for p in on_duckdb.diagnostics.parameters]
    assert [(p["comparison"], p["level"]) for p in on_spark.diagnostics.parameters] == levels
    assert on_spark.diagnostics.blocking == on_duckdb.diagnostics.blocking
    assert (
        on_spark.diagnostics.counts["blocked_pairs"]
        == on_duckdb.diagnostics.counts["blocked_pairs"]
    )
    assert on_spark.config.backend == "spark"


def test_the_custom_levels_fire_on_spark_as_on_duckdb(on_duckdb, on_spark):
    # The nickname and hyphenated-name levels are the dialect-specific SQL: where DuckDB
    # estimates their m, Spark does too, to the same value within sampling noise.
    def m_of(result, level):
        return next(p for p in result.diagnostics.parameters if p["level"] == level)

    for level in ("Nickname of the same name", "One part of a hyphenated name"):
        duck, spark = m_of(on_duckdb, level), m_of(on_spark, level)
        assert spark["m_source"] == duck["m_source"]
        assert spark["m"] == pytest.approx(duck["m"], rel=0.05)


def test_a_spark_run_leaves_no_table_cached_or_registered(spark, on_spark):
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()
    assert [t.name for t in spark.catalog.listTables() if t.isTemporary] == []
