"""Linking records across agencies: clear-text (Splink) and privacy-preserving (Bloom filters).

Clear text: ``link(person_records(sea_tables, ...), person_records(other_tables, ...))``, with
Splink on DuckDB or, ``LinkageConfig(backend="spark")``, on Spark.
Privacy-preserving: each agency runs ``encode_identifiers`` (or ``split_file``) with a secret
the platform never holds; the platform runs ``link_encoded`` on the encodings alone.
Both give a ``LinkageResult``; ``evaluate``, ``review_queue``, ``chart_specs`` and
``write_crosswalk`` work on either. See docs/linkage.md.
"""

from __future__ import annotations

from .assign import DecisionError, master_crosswalk
from .backends import BackendUnavailable
from .bloom import BloomEncoder, dice
from .charts import chart_specs, write_chart_specs
from .clear import link
from .crosswalk import crosswalk_path, read_crosswalk, write_crosswalk
from .dialect import BACKENDS
from .encode import (
    ENCODED_COLUMNS,
    SplitFile,
    attach_master_ids,
    encode_identifiers,
    record_tokens,
    resolve_tokens,
    split_file,
)
from .files import read_agency_people, read_agency_tables, read_truth
from .pprl import link_encoded
from .prepare import AGENCY_SOURCES, LinkageInputError, person_records
from .quality import Metrics, evaluate, review_queue
from .result import Diagnostics, LinkageConfig, LinkageResult

__all__ = [
    "AGENCY_SOURCES",
    "BACKENDS",
    "ENCODED_COLUMNS",
    "BackendUnavailable",
    "BloomEncoder",
    "DecisionError",
    "Diagnostics",
    "LinkageConfig",
    "LinkageInputError",
    "LinkageResult",
    "Metrics",
    "SplitFile",
    "attach_master_ids",
    "chart_specs",
    "crosswalk_path",
    "dice",
    "encode_identifiers",
    "evaluate",
    "link",
    "link_encoded",
    "master_crosswalk",
    "person_records",
    "read_agency_people",
    "read_agency_tables",
    "read_crosswalk",
    "read_truth",
    "record_tokens",
    "resolve_tokens",
    "review_queue",
    "split_file",
    "write_chart_specs",
    "write_crosswalk",
]
