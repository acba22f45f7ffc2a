"""Deterministic, atomic file output and the manifest that lists every file with its checksum."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .config import FileEntry

FILE_MODE = 0o600  # student-level files: readable by their owner only
MANIFEST = "manifest.json"


def serialize(table: pa.Table, fmt: str) -> bytes:
    """The file's bytes; the same table always gives the same bytes."""
    sink = pa.BufferOutputStream()
    if fmt == "csv":
        pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    else:
        # Pinned options: defaults may change between releases, and bytes must not.
        pq.write_table(
            table,
            sink,
            compression="zstd",
            compression_level=3,
            use_dictionary=True,
            write_statistics=True,
            version="2.6",
            data_page_version="1.0",
            row_group_size=1_000_000,
        )
    return sink.getvalue().to_pybytes()


def write_atomic(target: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Writer:
    """Writes agency files under ``out/<agency>/<dataset>/<year>.<fmt>`` and remembers them."""

    def __init__(self, out: Path, fmt: str):
        self.out, self.fmt = out, fmt
        self.entries: list[FileEntry] = []

    def write(self, table: pa.Table, agency: str, dataset: str, year: int | None) -> FileEntry:
        """Write one agency file."""
        name = f"{agency}/{dataset}/{year}.{self.fmt}"
        return self._put(name, serialize(table, self.fmt), table.num_rows, agency, dataset, year)

    def write_truth(self, table: pa.Table, name: str) -> FileEntry:
        """Write a truth file (always CSV) under ``out/truth/``."""
        path = f"truth/{name}.csv"
        return self._put(path, serialize(table, "csv"), table.num_rows, "truth", name, None)

    def _put(
        self, rel: str, data: bytes, rows: int, agency: str, dataset: str, year: int | None
    ) -> FileEntry:
        write_atomic(self.out / rel, data)
        entry = FileEntry(rel, agency, dataset, year, rows, hashlib.sha256(data).hexdigest())
        self.entries.append(entry)
        return entry

    def write_manifest(self, parameters: dict[str, object]) -> None:
        """List every file with its checksum and rows, in path order, with no timestamps."""
        files = [
            {
                "path": e.path,
                "agency": e.agency,
                "dataset": e.dataset,
                "year": e.year,
                "rows": e.rows,
                "sha256": e.sha256,
            }
            for e in sorted(self.entries, key=lambda e: e.path)
        ]
        doc = {"generator": "steward.dataplane.synth", "parameters": parameters, "files": files}
        write_atomic(
            self.out / MANIFEST, (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()
        )
