"""A `steward ingest` killed partway: the warehouse keeps its previous version, readable, with
nothing in the clear, and the next ingest goes on from there.

Each case runs the real command (job, validation against the catalog, encryption, catalog
record) in its own process on its own SQLite database, and stops it at one point with SIGKILL;
the only stand-in is the pause that holds the process at that point until it is killed.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steward.dataplane.keys import LocalKeyFile
from steward.dataplane.warehouse import Warehouse

SET_UP = textwrap.dedent(
    """
    import sys
    import django

    django.setup()
    from django.core.management import call_command

    from steward.core.demo import personas_seed

    call_command("migrate", verbosity=0)
    personas_seed()
    call_command("catalog", "load", verbosity=0)
    for dataset in ("districts", "schools", "enrollment"):
        call_command(
            "ingest", f"{sys.argv[1]}/sea/{dataset}/2019.csv", agency="sea", dataset=dataset,
            year=2019, received="due", verbosity=0,
        )
    """
)

# Ingest the enrollment file again (it would become version 2), pausing at the point named by
# argv[2] until the parent kills the process.
KILLED_INGEST = textwrap.dedent(
    """
    import sys
    import django

    django.setup()
    from django.core.management import call_command


    def pause():
        print("partway", flush=True)
        sys.stdin.readline()


    if sys.argv[2] == "writing":
        from steward.dataplane import warehouse

        class PausingWriter(warehouse.pq.ParquetWriter):
            # Writes the first rows, encrypted, then pauses with the file half written.
            def write_table(self, table, row_group_size=None):
                super().write_table(table.slice(0, 50))
                pause()

        warehouse.pq.ParquetWriter = PausingWriter
    elif sys.argv[2] == "publishing":  # the catalog record is committed; the file is staged
        from steward.dataplane import warehouse

        def pausing_publish(self, info):
            pause()

        warehouse.Warehouse.publish = pausing_publish
    else:  # "recording": the new version is staged; its catalog record is not committed
        from steward.catalog import services

        scorecard = services.scorecard

        def pausing_scorecard(report):
            pause()
            return scorecard(report)

        services.scorecard = pausing_scorecard

    call_command(
        "ingest", f"{sys.argv[1]}/sea/enrollment/2019.csv", agency="sea",
        dataset="enrollment", year=2019, received="due", verbosity=0,
    )
    """
)


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.pop("DATABASE_URL", None)  # its own SQLite file: the test database is not visible here
    env.update(
        STEWARD_DEBUG="true",
        STEWARD_DATA_DIR=str(root / "var"),
        STEWARD_KEY_FILE=str(root / "keys" / "keys.json"),
        DJANGO_SETTINGS_MODULE="steward.settings",
    )
    return env


def _python(root: Path, script: str, *args: str, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args], env=_env(root), text=True, **options
    )


@pytest.fixture(scope="module")
def ingested_once(tmp_path_factory, tiny_state) -> Path:
    """A data folder, key file and database where sea/enrollment/2019 has version 1."""
    root = tmp_path_factory.mktemp("ingested-once")
    process = _python(root, SET_UP, str(tiny_state), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, out + err
    return root


def _student_names(tiny_state: Path) -> set[bytes]:
    with open(tiny_state / "sea/enrollment/2019.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    # Long surnames only, so that no short word in a binary file matches by chance.
    return {row["last_name"].encode() for row in rows if len(row["last_name"]) >= 8}


def _accepted_versions(root: Path) -> list[int]:
    with closing(sqlite3.connect(root / "var" / "steward.sqlite3")) as database:
        rows = database.execute(
            "SELECT v.version FROM catalog_datasetversion v "
            "JOIN catalog_dataset d ON d.id = v.dataset_id "
            "WHERE d.code = 'enrollment' AND v.year = 2019 AND v.status = 'accepted' "
            "ORDER BY v.version"
        ).fetchall()
    return [version for (version,) in rows]


@pytest.mark.parametrize("point", ["writing", "recording"])
def test_an_ingest_killed_partway_leaves_the_previous_version_and_no_plaintext(
    ingested_once, tiny_state, tmp_path, point
):
    root = tmp_path / "copy"
    shutil.copytree(ingested_once, root)
    store = Warehouse(root / "var", LocalKeyFile(root / "keys" / "keys.json"))
    folder = store.folder("sea", "enrollment", 2019)
    first = store.read("sea", "enrollment", 2019)
    first_file = (folder / "v0001.parquet").read_bytes()

    process = _python(
        root,
        KILLED_INGEST,
        str(tiny_state),
        point,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = time.monotonic()
        assert process.stdout.readline().strip() == "partway", "the ingest did not get there"
        assert time.monotonic() - started < 60
        on_disk = sorted(p.name for p in folder.iterdir())
        if point == "writing":  # the new version is half written, under a temporary name
            assert [n for n in on_disk if n.endswith(".tmp")], on_disk
        else:  # the new version's file is complete but staged; the catalog does not know it
            assert "v0002.parquet.staged" in on_disk, on_disk
            assert "v0002.parquet" not in on_disk, on_disk
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    # The previous version is there, unchanged and readable, and it is the latest.
    assert store.versions("sea", "enrollment", 2019) == [1]
    assert (folder / "v0001.parquet").read_bytes() == first_file
    assert store.read("sea", "enrollment", 2019).equals(first)
    assert _accepted_versions(root) == [1]
    # Nothing in the data folder holds a student's name in the clear (database included), and
    # no Parquet file there opens without the key.
    names = _student_names(tiny_state)
    assert names
    for path in (p for p in (root / "var").rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert not [name for name in names if name in content], path
        if path.is_relative_to(store.root / "warehouse") and path.name != ".lock":
            with pytest.raises((OSError, pa.ArrowInvalid)):
                pq.read_table(path)

    # The next ingest goes on from there: version 2, in the catalog and the warehouse.
    again = _ingest_again(root, tiny_state)
    assert again.returncode == 0, again.stderr
    assert "accepted as version 2" in again.stdout
    assert store.versions("sea", "enrollment", 2019) == [1, 2]
    assert _accepted_versions(root) == [1, 2]
    assert not [p for p in folder.iterdir() if p.name.endswith((".tmp", ".staged"))]


def test_an_ingest_killed_after_its_record_commits_is_published_by_the_next(
    ingested_once, tiny_state, tmp_path
):
    root = tmp_path / "copy"
    shutil.copytree(ingested_once, root)
    store = Warehouse(root / "var", LocalKeyFile(root / "keys" / "keys.json"))
    folder = store.folder("sea", "enrollment", 2019)
    first = store.read("sea", "enrollment", 2019)

    process = _python(
        root,
        KILLED_INGEST,
        str(tiny_state),
        "publishing",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout.readline().strip() == "partway", "the ingest did not get there"
        on_disk = sorted(p.name for p in folder.iterdir())
        assert "v0002.parquet.staged" in on_disk, on_disk
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    # Version 2 is accepted in the catalog; the warehouse still serves version 1, and the staged
    # file is complete and encrypted.
    assert _accepted_versions(root) == [1, 2]
    assert store.versions("sea", "enrollment", 2019) == [1]
    assert store.read("sea", "enrollment", 2019).equals(first)
    staged = folder / "v0002.parquet.staged"
    with pytest.raises((OSError, pa.ArrowInvalid)):
        pq.read_table(staged)
    staged_digest = hashlib.sha256(staged.read_bytes()).hexdigest()
    with closing(sqlite3.connect(root / "var" / "steward.sqlite3")) as database:
        ((recorded_digest, recorded_path),) = database.execute(
            "SELECT sha256, path FROM catalog_datasetversion WHERE version = 2"
        ).fetchall()
    assert recorded_digest == staged_digest
    assert recorded_path == "warehouse/sea/enrollment/2019/v0002.parquet"

    # The next ingest publishes the accepted version 2 before adding its own, version 3; the
    # catalog and the warehouse agree.
    again = _ingest_again(root, tiny_state)
    assert again.returncode == 0, again.stderr
    assert "accepted as version 3" in again.stdout
    assert store.versions("sea", "enrollment", 2019) == [1, 2, 3]
    assert _accepted_versions(root) == [1, 2, 3]
    assert store.version_info("sea", "enrollment", 2019, 2).sha256 == staged_digest
    assert store.read("sea", "enrollment", 2019, 2).num_rows == first.num_rows
    assert not [p for p in folder.iterdir() if p.name.endswith((".tmp", ".staged"))]


def _ingest_again(root: Path, tiny_state: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "steward.cli",
            "ingest",
            str(tiny_state / "sea/enrollment/2019.csv"),
            "--agency=sea",
            "--dataset=enrollment",
            "--year=2019",
            "--received=due",
        ],
        env=_env(root),
        capture_output=True,
        text=True,
        check=False,
    )
