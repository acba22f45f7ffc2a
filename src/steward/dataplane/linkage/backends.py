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
        settings |= {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "8"}
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
        from splink import DuckDBAPI

        yield DuckDBAPI()
        return
    session = spark_session().newSession()  # temp views of its own; one SparkContext
    from splink.backends.spark import SparkAPI

    # Intermediate tables stay in Spark's memory ("persist"), never written out as Parquet.
    db_api = SparkAPI(spark_session=session, break_lineage_method="persist")
    try:
        yield db_api
    finally:
        _release(session)


def _release(session: Any) -> None:
    # Splink persists its intermediate tables (names, birth dates); drop them with the run.
    for table in session.catalog.listTables():
        if table.isTemporary:
            session.table(table.name).unpersist()
            session.catalog.dropTempView(table.name)
