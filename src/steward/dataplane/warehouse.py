"""The encrypted warehouse: one folder per agency, dataset and year, one Parquet file per version.

Every file is written with Parquet modular encryption (footer and every column encrypted), so
student rows never reach the disk in the clear, not even in a temp file. Data keys are wrapped
with a per-dataset master key from the key service.

A version that a catalog must record first is committed in three steps, under the dataset-year's
lock (`locked`): `stage_version` writes it complete and encrypted as ``vNNNN.parquet.staged``,
which `versions` does not list; the caller commits its record; `publish` renames it to
``vNNNN.parquet`` (or `discard` removes it if the record failed). After a crash, `reconcile`
(under the lock, given the versions the catalog recorded) publishes a staged file whose record
committed and removes one whose record did not.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from steward.dataplane.atomic import atomic_path, fsync_dir, is_temp_file
from steward.dataplane.keys import KeyService, LocalKeyFile, warehouse_key_id

_VERSION_FILE = re.compile(r"^v(\d{4,})\.parquet$")
_STAGED_SUFFIX = ".staged"
_STAGED_FILE = re.compile(r"^v(\d{4,})\.parquet\.staged$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_NONCE_BYTES = 12
_HASH_CHUNK = 1 << 20


class WarehouseError(Exception):
    """A warehouse request that cannot be served (unknown version, bad name, missing key)."""


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of a dataset-year: where it is and what it holds."""

    agency: str
    dataset: str
    year: int
    version: int
    path: str
    sha256: str
    rows: int
    bytes: int

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


class _MasterKeyKms(pe.KmsClient):
    """Wraps Parquet data keys with AES-256-GCM under a master key from the key service."""

    def __init__(self, keys: KeyService) -> None:
        super().__init__()
        self._keys = keys

    def wrap_key(self, key_bytes: bytes, master_key_identifier: str) -> str:
        master = self._keys.get_key(master_key_identifier)
        nonce = os.urandom(_NONCE_BYTES)
        # The key id is bound as associated data: a data key cannot be moved to another dataset.
        sealed = AESGCM(master).encrypt(nonce, key_bytes, master_key_identifier.encode())
        return base64.b64encode(nonce + sealed).decode("ascii")

    def unwrap_key(self, wrapped_key: str, master_key_identifier: str) -> bytes:
        master = self._keys.get_key(master_key_identifier)
        blob = base64.b64decode(wrapped_key)
        nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
        try:
            return AESGCM(master).decrypt(nonce, sealed, master_key_identifier.encode())
        except InvalidTag:
            raise WarehouseError(
                f"key {master_key_identifier!r} does not open this file: it was written "
                "under another key"
            ) from None


class Warehouse:
    """Versioned, encrypted Parquet under ``root/warehouse/<agency>/<dataset>/<year>/``."""

    def __init__(self, root: Path | str, keys: KeyService) -> None:
        self.root = Path(root).absolute()
        if isinstance(keys, LocalKeyFile) and keys.path.is_relative_to(self.root):
            raise WarehouseError(
                f"key file {keys.path} is inside the data folder {self.root}; keep keys apart"
            )
        self.keys = keys
        # One factory per warehouse: its key cache must not serve another key service.
        self._crypto = pe.CryptoFactory(lambda _config: _MasterKeyKms(keys))
        self._kms_config = pe.KmsConnectionConfig()

    def folder(self, agency: str, dataset: str, year: int) -> Path:
        """The folder holding every version of one dataset-year."""
        for label, name in (("agency", agency), ("dataset", dataset)):
            if not isinstance(name, str) or not _NAME.match(name):
                raise WarehouseError(f"invalid {label} code {name!r}")
        if not isinstance(year, int) or not 1900 <= year <= 2999:
            raise WarehouseError(f"invalid year {year!r}")
        return self.root / "warehouse" / agency / dataset / str(year)

    def versions(self, agency: str, dataset: str, year: int) -> list[int]:
        """Version numbers stored for one dataset-year, oldest first."""
        folder = self.folder(agency, dataset, year)
        if not folder.is_dir():
            return []
        found = (_VERSION_FILE.match(p.name) for p in folder.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def latest_version(self, agency: str, dataset: str, year: int) -> int | None:
        """The newest version number, or None when nothing was ingested yet."""
        versions = self.versions(agency, dataset, year)
        return versions[-1] if versions else None

    def version_path(self, agency: str, dataset: str, year: int, version: int) -> Path:
        """Where one version's file lives."""
        return self.folder(agency, dataset, year) / f"v{version:04d}.parquet"

    def staged_versions(self, agency: str, dataset: str, year: int) -> list[int]:
        """Version numbers written under a staged name and not (yet) published, oldest first."""
        folder = self.folder(agency, dataset, year)
        if not folder.is_dir():
            return []
        found = (_STAGED_FILE.match(p.name) for p in folder.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def staged_path(self, agency: str, dataset: str, year: int, version: int) -> Path:
        """Where one version waits, complete and encrypted, until it is published."""
        path = self.version_path(agency, dataset, year, version)
        return path.with_name(path.name + _STAGED_SUFFIX)

    @contextlib.contextmanager
    def locked(self, agency: str, dataset: str, year: int) -> Iterator[None]:
        """Hold the dataset-year's write lock (an flock on its ``.lock`` file).

        Needed around `stage_version`, `publish`, `discard` and `reconcile`. Not re-entrant:
        `write_version` of the same dataset-year inside it raises rather than waiting for itself.
        """
        folder = self.folder(agency, dataset, year)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _folder_lock(folder):
            yield

    def write_version(self, agency: str, dataset: str, year: int, table: pa.Table) -> VersionInfo:
        """Store ``table`` as the next version, encrypted, atomically; return what was written."""
        with self.locked(agency, dataset, year):
            return self._write(agency, dataset, year, table, staged=False)

    def stage_version(self, agency: str, dataset: str, year: int, table: pa.Table) -> VersionInfo:
        """Write ``table`` as the next version under its staged name; the caller holds `locked`.

        The file is complete, encrypted and on disk when this returns, but `versions` does not
        list it until `publish`. The returned info names the published path.
        """
        self._check_locked(agency, dataset, year)
        return self._write(agency, dataset, year, table, staged=True)

    def publish(self, info: VersionInfo) -> None:
        """Rename a staged version to its published name (a no-op if it is published already)."""
        staged = self.staged_path(info.agency, info.dataset, info.year, info.version)
        target = self.version_path(info.agency, info.dataset, info.year, info.version)
        if not staged.exists() and target.is_file():
            return
        os.replace(staged, target)
        fsync_dir(target.parent)

    def discard(self, info: VersionInfo) -> None:
        """Remove a staged version whose record could not be written."""
        self.staged_path(info.agency, info.dataset, info.year, info.version).unlink(missing_ok=True)

    def reconcile(
        self, agency: str, dataset: str, year: int, recorded: Collection[int]
    ) -> dict[str, list[int]]:
        """Settle what a killed writer left: the caller holds `locked` and passes the versions
        its catalog recorded. A staged version that was recorded is published; one that was not
        is removed, with any temp file. Returns the version numbers published and discarded.
        """
        self._check_locked(agency, dataset, year)
        folder = self.folder(agency, dataset, year)
        done: dict[str, list[int]] = {"published": [], "discarded": []}
        if not folder.is_dir():
            return done
        _remove_stale_temp_files(folder)
        for version in self.staged_versions(agency, dataset, year):
            path = self.version_path(agency, dataset, year, version)
            info = VersionInfo(agency, dataset, year, version, str(path), "", 0, 0)
            if version in recorded:
                self.publish(info)
                done["published"].append(version)
            else:
                self.discard(info)
                done["discarded"].append(version)
        if done["discarded"]:
            fsync_dir(folder)
        return done

    def _check_locked(self, agency: str, dataset: str, year: int) -> None:
        if self.folder(agency, dataset, year) not in _held_folders():
            raise WarehouseError(
                f"{agency}/{dataset}/{year}: hold Warehouse.locked() to stage or reconcile"
            )

    def _write(
        self, agency: str, dataset: str, year: int, table: pa.Table, *, staged: bool
    ) -> VersionInfo:
        # Under the folder lock. Staged numbers count: a staged version may yet be published.
        folder = self.folder(agency, dataset, year)
        key_id = warehouse_key_id(agency, dataset)
        self.keys.create_key(key_id)
        _remove_stale_temp_files(folder)
        taken = self.versions(agency, dataset, year) + self.staged_versions(agency, dataset, year)
        version = max(taken, default=0) + 1
        target = self.version_path(agency, dataset, year, version)
        written = self.staged_path(agency, dataset, year, version) if staged else target
        with atomic_path(written) as tmp:
            self.write_encrypted(tmp, table, key_id)
            digest, size = _sha256(tmp)
        fsync_dir(folder.parent)
        return VersionInfo(
            agency, dataset, year, version, str(target), digest, table.num_rows, size
        )

    def read(
        self,
        agency: str,
        dataset: str,
        year: int,
        version: int | None = None,
        *,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """Decrypt and return one version (the latest by default), optionally some columns."""
        path = self._existing_path(agency, dataset, year, version)
        decryption = self.decryption_properties()
        return pq.read_table(path, columns=columns, decryption_properties=decryption)

    def version_info(self, agency: str, dataset: str, year: int, version: int) -> VersionInfo:
        """Checksum, size and row count of one stored version (reads the encrypted footer)."""
        path = self._existing_path(agency, dataset, year, version)
        decryption = self.decryption_properties()
        rows = pq.ParquetFile(path, decryption_properties=decryption).metadata.num_rows
        digest, size = _sha256(path)
        return VersionInfo(agency, dataset, year, version, str(path), digest, rows, size)

    def _existing_path(self, agency: str, dataset: str, year: int, version: int | None) -> Path:
        if version is None:
            version = self.latest_version(agency, dataset, year)
            if version is None:
                raise WarehouseError(f"no version of {agency}/{dataset}/{year} in the warehouse")
        path = self.version_path(agency, dataset, year, version)
        if not path.is_file():
            raise WarehouseError(f"no version {version} of {agency}/{dataset}/{year}")
        return path

    def write_encrypted(
        self,
        path: Path,
        table: pa.Table | Iterable[pa.Table],
        key_id: str,
        *,
        schema: pa.Schema | None = None,
        random_columns: Sequence[str] = (),
    ) -> None:
        """Write `table` to `path` as Parquet encrypted under the master key `key_id`.

        `table` may also be the tables of successive row groups, made as they are written;
        their `schema` is then required.
        `random_columns` hold random-looking text (pseudonyms): written without a dictionary or
        statistics, which cost time and cannot help, and with zstd, which halves hex digits
        where snappy saves a tenth, for less time. The caller makes the write atomic (a temp
        path, then a rename), as write_version does.
        """
        if isinstance(table, pa.Table):
            table, schema = [table], table.schema
        elif schema is None:
            raise ValueError("the schema of tables written one row group at a time is required")
        # Every column is listed under a column key: an unlisted column would be stored in
        # the clear. The footer (schema, statistics) is encrypted too.
        config = pe.EncryptionConfiguration(
            footer_key=key_id,
            column_keys={key_id: list(schema.names)},
            encryption_algorithm="AES_GCM_V1",
            plaintext_footer=False,
            data_key_length_bits=256,
        )
        props = self._crypto.file_encryption_properties(self._kms_config, config)
        options = {}
        if random_columns:
            ordinary = [c for c in schema.names if c not in random_columns]
            options = {
                "use_dictionary": ordinary,
                "write_statistics": ordinary,
                "compression": {
                    c: "zstd" if c in random_columns else "snappy" for c in schema.names
                },
                "compression_level": {c: 1 for c in random_columns},
            }
        with pq.ParquetWriter(path, schema, encryption_properties=props, **options) as writer:
            for part in table:
                writer.write_table(part)

    def decryption_properties(self) -> pe.FileDecryptionProperties:
        """What PyArrow needs to read any file this warehouse's key service can unlock."""
        return self._crypto.file_decryption_properties(
            self._kms_config, pe.DecryptionConfiguration()
        )


def query(sql: str, tables: Mapping[str, pa.Table]) -> pa.Table:
    """Run DuckDB SQL over decrypted Arrow tables registered by name (zero copy)."""
    import duckdb

    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


_held = threading.local()


def _held_folders() -> set[Path]:
    # The folders whose lock this thread holds.
    if not hasattr(_held, "folders"):
        _held.folders = set()
    return _held.folders


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    # Two writers of one dataset-year must not pick the same version number. flock belongs to
    # the open file: a second open and flock by the same thread would wait for itself forever.
    held = _held_folders()
    if folder in held:
        raise WarehouseError(f"the lock of {folder} is held already by this thread")
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.add(folder)
        try:
            yield
        finally:
            held.discard(folder)
    finally:
        os.close(fd)


def _remove_stale_temp_files(folder: Path) -> None:
    # Called under the folder lock, so any temp file here belongs to a writer that crashed.
    for path in folder.iterdir():
        if is_temp_file(path):
            path.unlink(missing_ok=True)


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
