"""Crosswalks at rest: encrypted Parquet under ``root/linkage/<run_id>/``, one key per run.

A crosswalk is what joins agencies' records, so it lives apart from every agency's
warehouse folder, under its own key: destroying that key destroys the run's links.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from steward.dataplane.atomic import atomic_path, fsync_dir
from steward.dataplane.keys import KeyService, check_key_id
from steward.dataplane.warehouse import Warehouse

from .result import CROSSWALK_SCHEMA

_RUN_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
FILE_NAME = "crosswalk.parquet"


def crosswalk_key_id(run_id: str) -> str:
    """The id of the key that encrypts one run's crosswalk."""
    return check_key_id(f"linkage.{_checked(run_id)}")


def crosswalk_path(root: Path | str, run_id: str) -> Path:
    """Where one run's crosswalk lives (never inside an agency's warehouse folder)."""
    return Path(root).absolute() / "linkage" / _checked(run_id) / FILE_NAME


def write_crosswalk(root: Path | str, keys: KeyService, run_id: str, table: pa.Table) -> Path:
    """Encrypt ``table`` (agency, agency_id, master_id) under the run's key, atomically."""
    if set(table.column_names) != set(CROSSWALK_SCHEMA.names):
        raise ValueError(f"a crosswalk has exactly the columns {', '.join(CROSSWALK_SCHEMA.names)}")
    key_id = crosswalk_key_id(run_id)
    keys.create_key(key_id)
    target = crosswalk_path(root, run_id)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The warehouse's Parquet modular encryption (every column and the footer) is reused.
    warehouse = Warehouse(root, keys)
    with atomic_path(target) as tmp:
        warehouse.write_encrypted(tmp, table.select(CROSSWALK_SCHEMA.names), key_id)
    fsync_dir(target.parent.parent)
    return target


def read_crosswalk(root: Path | str, keys: KeyService, run_id: str) -> pa.Table:
    """Decrypt one run's crosswalk with its key; without the key this raises."""
    path = crosswalk_path(root, run_id)
    if not path.is_file():
        raise FileNotFoundError(f"no crosswalk for linkage run {run_id!r}")
    warehouse = Warehouse(root, keys)
    return pq.read_table(path, decryption_properties=warehouse.decryption_properties())


def _checked(run_id: str) -> str:
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise ValueError(f"invalid run id {run_id!r}: lowercase letters, digits, _ and -")
    return run_id
