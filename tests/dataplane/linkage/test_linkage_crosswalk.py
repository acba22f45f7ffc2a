"""Crosswalks are written encrypted apart from the warehouse and read back only with the key."""

from __future__ import annotations

import pyarrow as pa
import pytest

from steward.dataplane import linkage as lk
from steward.dataplane.keys import KeyNotFoundError, LocalKeyFile

CROSSWALK = pa.table(
    {
        "agency": ["sea", "postsecondary", "sea"],
        "agency_id": ["1000000001", "H000000007", "1000000002"],
        "master_id": ["M000000004", "M000000004", "M000000001"],
    }
)


@pytest.fixture
def keys(tmp_path) -> LocalKeyFile:
    return LocalKeyFile(tmp_path / "keys" / "keys.json")


def test_a_crosswalk_is_read_back_with_its_key(tmp_path, keys):
    path = lk.write_crosswalk(tmp_path / "data", keys, "run-1", CROSSWALK)
    assert path == tmp_path / "data" / "linkage" / "run-1" / "crosswalk.parquet"
    assert "warehouse" not in path.parts
    assert lk.read_crosswalk(tmp_path / "data", keys, "run-1").equals(CROSSWALK)


def test_a_crosswalk_cannot_be_read_without_the_key(tmp_path, keys):
    import pyarrow.parquet as pq

    path = lk.write_crosswalk(tmp_path / "data", keys, "run-1", CROSSWALK)
    with pytest.raises(OSError):
        pq.read_table(path)
    assert b"H000000007" not in path.read_bytes()
    other_keys = LocalKeyFile(tmp_path / "elsewhere" / "keys.json")
    other_keys.create_key("unrelated")
    with pytest.raises(KeyNotFoundError):
        lk.read_crosswalk(tmp_path / "data", other_keys, "run-1")


def test_each_run_has_its_own_key(tmp_path, keys):
    lk.write_crosswalk(tmp_path / "data", keys, "run-1", CROSSWALK)
    lk.write_crosswalk(tmp_path / "data", keys, "run-2", CROSSWALK)
    assert {"linkage.run-1", "linkage.run-2"} <= set(keys.key_ids())


def test_bad_run_ids_and_columns_are_refused(tmp_path, keys):
    with pytest.raises(ValueError, match="run id"):
        lk.write_crosswalk(tmp_path, keys, "../escape", CROSSWALK)
    with pytest.raises(ValueError, match="columns"):
        lk.write_crosswalk(tmp_path, keys, "run-1", CROSSWALK.drop_columns(["master_id"]))
