"""Where Splink runs: DuckDB in this process (the default) or Spark (``steward[spark]``).

pyspark is imported only when the Spark backend is chosen. The session is built for
``local[2]`` unless ``STEWARD_SPARK_MASTER`` names another master (``spark://host:7077``,
``yarn``, ``k8s://...``); see docs/linkage.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .dialect import dialect_for

MASTER_ENV = "STEWARD_SPARK_MASTER"
DEFAULT_MASTER = "local[2]"
APP_NAME = "steward-linkage"


class BackendUnavailable(RuntimeError):
    """The chosen backend's optional dependency is not installed."""


def _pyspark() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise BackendUnavailable(
            "The Spark backend needs pyspark and Java 17: install steward[spark] "
            "(pip install 'steward[spark]')."
        ) from None
    return SparkSession


def spark_master() -> str:
    """The Spark master to use: ``STEWARD_SPARK_MASTER`` or ``local[2]``."""
    return os.environ.get(MASTER_ENV, "").strip() or DEFAULT_MASTER


def spark_session(master: str | None = None, config: dict[str, str] | None = None) -> Any:
    """The process's SparkSession, built on first use with Splink's similarity functions.

    Shuffle and spill files are encrypted (``spark.io.encryption.enabled``): they hold names
    and birth dates. A local master also gets no web UI and few shuffle partitions.
    """
    session_class = _pyspark()
    from splink.backends.spark import similarity_jar_location

    master = master or spark_master()
    settings = {
        "spark.jars": similarity_jar_location(),
        "spark.io.encryption.enabled": "true",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if master.startswith("local"):
        # One machine, small jobs: many partitions and re-planning only add overhead.
        settings |= {
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.codegen.wholeStage": "false",
        }
    settings |= config or {}
    builder = session_class.builder.master(master).appName(APP_NAME)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


@contextmanager
def database_api(backend: str) -> Iterator[Any]:
    """A fresh Splink database API for one run; on Spark, its cached tables are freed after."""
    dialect_for(backend)  # refuses an unknown backend
    if backend == "duckdb":
        import duckdb
        from splink import DuckDBAPI

        # A connection of the run's own, closed after it: its tables and threads go with it,
        # rather than whenever the linker happens to be garbage-collected.
        connection = duckdb.connect()
        try:
            yield DuckDBAPI(connection=connection)
        finally:
            connection.close()
        return
    session = spark_session().newSession()  # temp views of its own; one SparkContext
    local = session.sparkContext.master.startswith("local")
    db_api = _run_spark_api()(
        spark_session=session,
        # Intermediate tables stay in Spark's memory ("persist"), never written out as Parquet.
        break_lineage_method="persist",
        num_partitions_on_repartition=1 if local else None,
    )
    try:
        yield db_api
    finally:
        db_api.release()


def _run_spark_api() -> type:
    from splink.backends.spark import SparkAPI

    class RunSparkAPI(SparkAPI):
        """Splink's Spark API that remembers its intermediate tables, to free them after the run."""

        def __init__(self, **options: Any) -> None:
            self._frames: list[Any] = []
            super().__init__(**options)

        def _repartition_if_needed(self, spark_df, templated_name):
            # Every intermediate table passes here just before Splink decides to persist it.
            out = super()._repartition_if_needed(spark_df, templated_name)
            self._frames.append(out)
            return out

        def release(self) -> None:
            # The persisted tables hold names and birth dates: none outlives the run.
            for frame in self._frames:
                if frame.is_cached:
                    frame.unpersist()
            self._frames.clear()
            for table in self.spark.catalog.listTables():
                if table.isTemporary:
                    self.spark.catalog.dropTempView(table.name)

    return RunSparkAPI
