from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steward.dataplane.keys import KeyNotFoundError, LocalKeyFile
from steward.dataplane.warehouse import Warehouse, WarehouseError, query

MARKER = "Zebulon Quixotewright"


def student_table(n: int = 50, offset: int = 0) -> pa.Table:
    return pa.table(
        {
            "student_id": [f"S{offset + i:07d}" for i in range(n)],
            "first_name": [f"{MARKER} {offset + i}" for i in range(n)],
            "grade_level": [i % 13 for i in range(n)],
        }
    )


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def assert_nothing_readable_in_the_clear(root: Path) -> None:
    files = [p for p in root.rglob("*") if p.is_file() and p.name != ".lock"]
    for path in files:
        assert MARKER.encode() not in path.read_bytes(), path.name
        with pytest.raises((OSError, pa.ArrowInvalid)):
            pq.read_table(path)


@pytest.fixture
def keys(tmp_path: Path) -> LocalKeyFile:
    return LocalKeyFile(tmp_path / "keys" / "keys.json")


@pytest.fixture
def warehouse(tmp_path: Path, keys: LocalKeyFile) -> Warehouse:
    return Warehouse(tmp_path / "data", keys)


def test_a_written_version_reads_back_with_the_key(warehouse: Warehouse) -> None:
    table = student_table()

    info = warehouse.write_version("sea", "enrollment", 2020, table)

    assert info.version == 1
    assert info.rows == 50
    assert Path(info.path).name == "v0001.parquet"
    assert Path(info.path).parent == warehouse.root / "warehouse" / "sea" / "enrollment" / "2020"
    assert info.bytes == Path(info.path).stat().st_size
    assert info.sha256 == hashlib.sha256(Path(info.path).read_bytes()).hexdigest()
    assert warehouse.read("sea", "enrollment", 2020).equals(table)


def test_a_plain_parquet_read_without_the_key_raises(warehouse: Warehouse) -> None:
    info = warehouse.write_version("sea", "enrollment", 2020, student_table())

    with pytest.raises(OSError, match="encrypted"):
        pq.read_table(info.path)


def test_no_student_value_appears_in_the_bytes_on_disk(warehouse: Warehouse, tmp_path) -> None:
    plain = tmp_path / "plain.parquet"
    pq.write_table(student_table(), plain)
    assert MARKER.encode() in plain.read_bytes()  # the check below would catch plaintext

    warehouse.write_version("sea", "enrollment", 2020, student_table())

    assert_nothing_readable_in_the_clear(warehouse.root)


def test_a_warehouse_with_another_key_file_cannot_read(warehouse: Warehouse, tmp_path) -> None:
    warehouse.write_version("sea", "enrollment", 2020, student_table())
    stranger = Warehouse(warehouse.root, LocalKeyFile(tmp_path / "other" / "keys.json"))
    stranger.keys.create_key("pseudonym.unrelated")
    with pytest.raises(KeyNotFoundError, match=r"warehouse\.sea\.enrollment"):
        stranger.read("sea", "enrollment", 2020)
    stranger.keys.create_key("warehouse.sea.enrollment")

    with pytest.raises(WarehouseError, match="written under another key"):
        stranger.read("sea", "enrollment", 2020)


def test_each_write_adds_a_version_and_read_defaults_to_the_latest(warehouse: Warehouse) -> None:
    first = student_table(10)
    second = student_table(20, offset=100)
    warehouse.write_version("sea", "enrollment", 2020, first)

    info = warehouse.write_version("sea", "enrollment", 2020, second)

    assert info.version == 2
    assert warehouse.versions("sea", "enrollment", 2020) == [1, 2]
    assert warehouse.latest_version("sea", "enrollment", 2020) == 2
    assert warehouse.read("sea", "enrollment", 2020).equals(second)
    assert warehouse.read("sea", "enrollment", 2020, version=1).equals(first)
    assert warehouse.version_info("sea", "enrollment", 2020, 1).rows == 10


def test_datasets_and_years_are_kept_apart(warehouse: Warehouse) -> None:
    warehouse.write_version("sea", "enrollment", 2020, student_table(5))
    warehouse.write_version("sea", "enrollment", 2021, student_table(6))
    warehouse.write_version("sea", "attendance", 2020, student_table(7))

    assert warehouse.read("sea", "enrollment", 2021).num_rows == 6
    assert warehouse.read("sea", "attendance", 2020).num_rows == 7
    assert warehouse.keys.key_ids() == ["warehouse.sea.attendance", "warehouse.sea.enrollment"]


def test_an_empty_dataset_year_has_no_versions(warehouse: Warehouse) -> None:
    assert warehouse.versions("sea", "enrollment", 2020) == []
    assert warehouse.latest_version("sea", "enrollment", 2020) is None
    with pytest.raises(WarehouseError, match="no version"):
        warehouse.read("sea", "enrollment", 2020)
    with pytest.raises(WarehouseError, match="no version 3"):
        warehouse.read("sea", "enrollment", 2020, version=3)


def test_names_that_could_escape_the_folder_are_refused(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="invalid agency"):
        warehouse.write_version("../sea", "enrollment", 2020, student_table())
    with pytest.raises(WarehouseError, match="invalid year"):
        warehouse.versions("sea", "enrollment", 20200)


def test_a_key_file_inside_the_data_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="inside the data folder"):
        Warehouse(tmp_path, LocalKeyFile(tmp_path / "keys.json"))


def test_a_failed_rename_leaves_the_previous_version_and_no_temp_file(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse.write_version("sea", "enrollment", 2020, student_table(10))
    before = tree_digest(warehouse.root)

    def broken_replace(src, dst):
        raise OSError("disk went away")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk went away"):
        warehouse.write_version("sea", "enrollment", 2020, student_table(500))
    monkeypatch.undo()

    assert tree_digest(warehouse.root) == before
    assert warehouse.read("sea", "enrollment", 2020).num_rows == 10


CRASHING_WRITER = textwrap.dedent(
    """
    import sys
    from steward.dataplane import warehouse as wh
    from steward.dataplane.keys import KeyNotFoundError, LocalKeyFile

    class StallingWriter(wh.pq.ParquetWriter):
        # Writes one row group, then tells the parent and waits to be killed.
        def write_table(self, table, row_group_size=None):
            super().write_table(table.slice(0, 1000))
            print("partway", flush=True)
            sys.stdin.readline()

    wh.pq.ParquetWriter = StallingWriter
    sys.path.insert(0, sys.argv[3])
    from test_warehouse import student_table
    store = wh.Warehouse(sys.argv[1], LocalKeyFile(sys.argv[2]))
    store.write_version("sea", "enrollment", 2020, student_table(200_000, offset=10))
    """
)


def test_a_writer_killed_partway_leaves_the_old_version_and_no_plaintext(
    warehouse: Warehouse, keys: LocalKeyFile
) -> None:
    info = warehouse.write_version("sea", "enrollment", 2020, student_table(10))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CRASHING_WRITER,
            str(warehouse.root),
            str(keys.path),
            str(Path(__file__).parent),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "partway"
        temp_files = [p for p in Path(info.path).parent.iterdir() if p.name.endswith(".tmp")]
        assert len(temp_files) == 1 and temp_files[0].stat().st_size > 5_000
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    assert proc.returncode == -signal.SIGKILL
    assert warehouse.versions("sea", "enrollment", 2020) == [1]
    assert warehouse.version_info("sea", "enrollment", 2020, 1).sha256 == info.sha256
    assert warehouse.read("sea", "enrollment", 2020).num_rows == 10
    assert_nothing_readable_in_the_clear(warehouse.root)


def test_the_next_write_after_a_crash_removes_the_stale_temp_file(
    warehouse: Warehouse,
) -> None:
    folder = warehouse.folder("sea", "enrollment", 2020)
    folder.mkdir(parents=True)
    stale = folder / ".v0001.parquet.deadbeef0000.tmp"
    stale.write_bytes(b"PAR1 half written")

    warehouse.write_version("sea", "enrollment", 2020, student_table(3))

    assert not stale.exists()
    assert warehouse.versions("sea", "enrollment", 2020) == [1]


def test_a_staged_version_is_listed_only_once_published(warehouse: Warehouse) -> None:
    warehouse.write_version("sea", "enrollment", 2020, student_table(3))
    with warehouse.locked("sea", "enrollment", 2020):
        info = warehouse.stage_version("sea", "enrollment", 2020, student_table(4))
        staged = warehouse.staged_path("sea", "enrollment", 2020, 2)
        assert staged.is_file() and not Path(info.path).exists()
        assert info.version == 2 and Path(info.path).name == "v0002.parquet"
        assert warehouse.versions("sea", "enrollment", 2020) == [1]
        assert warehouse.staged_versions("sea", "enrollment", 2020) == [2]
        assert warehouse.read("sea", "enrollment", 2020).num_rows == 3
        warehouse.publish(info)
    assert warehouse.versions("sea", "enrollment", 2020) == [1, 2]
    assert warehouse.staged_versions("sea", "enrollment", 2020) == []
    assert warehouse.version_info("sea", "enrollment", 2020, 2).sha256 == info.sha256
    assert_nothing_readable_in_the_clear(warehouse.root)


def test_a_discarded_version_leaves_nothing_and_its_number_is_free(warehouse: Warehouse) -> None:
    warehouse.write_version("sea", "enrollment", 2020, student_table(3))
    with warehouse.locked("sea", "enrollment", 2020):
        info = warehouse.stage_version("sea", "enrollment", 2020, student_table(4))
        warehouse.discard(info)
    folder = warehouse.folder("sea", "enrollment", 2020)
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "v0001.parquet"]
    assert warehouse.write_version("sea", "enrollment", 2020, student_table(5)).version == 2


def test_a_staged_version_counts_when_numbering_the_next(warehouse: Warehouse) -> None:
    with warehouse.locked("sea", "enrollment", 2020):
        warehouse.stage_version("sea", "enrollment", 2020, student_table(3))
    assert warehouse.write_version("sea", "enrollment", 2020, student_table(4)).version == 2
    assert warehouse.versions("sea", "enrollment", 2020) == [2]


def test_reconcile_publishes_recorded_staged_versions_and_removes_the_others(
    warehouse: Warehouse,
) -> None:
    with warehouse.locked("sea", "enrollment", 2020):
        first = warehouse.stage_version("sea", "enrollment", 2020, student_table(3))
        warehouse.stage_version("sea", "enrollment", 2020, student_table(4))
    folder = warehouse.folder("sea", "enrollment", 2020)
    stale = folder / ".v0003.parquet.staged.deadbeef0000.tmp"
    stale.write_bytes(b"PAR1 half written")

    with warehouse.locked("sea", "enrollment", 2020):
        done = warehouse.reconcile("sea", "enrollment", 2020, {1})

    assert done == {"published": [1], "discarded": [2]}
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "v0001.parquet"]
    assert warehouse.version_info("sea", "enrollment", 2020, 1).sha256 == first.sha256


def test_staging_needs_the_lock_and_the_lock_is_not_taken_twice(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="locked"):
        warehouse.stage_version("sea", "enrollment", 2020, student_table(3))
    with pytest.raises(WarehouseError, match="locked"):
        warehouse.reconcile("sea", "enrollment", 2020, set())
    with warehouse.locked("sea", "enrollment", 2020):
        # flock would wait for itself here; it raises instead.
        with pytest.raises(WarehouseError, match="held already"):
            warehouse.write_version("sea", "enrollment", 2020, student_table(3))
        # Another dataset-year has its own lock.
        assert warehouse.write_version("sea", "enrollment", 2021, student_table(3)).version == 1
    assert warehouse.write_version("sea", "enrollment", 2020, student_table(3)).version == 1


def test_decrypted_tables_can_be_queried_with_duckdb(warehouse: Warehouse) -> None:
    warehouse.write_version("sea", "enrollment", 2020, student_table(26))
    table = warehouse.read("sea", "enrollment", 2020)

    result = query(
        "select grade_level, count(*) as n from enrollment group by 1 order by 1",
        {"enrollment": table},
    )

    assert result.column("n").to_pylist()[:2] == [2, 2]
    assert result.num_rows == 13
