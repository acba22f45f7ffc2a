"""Master keys for encryption at rest and pseudonyms, behind a small key-service interface.

The default service keeps keys in one local JSON file that must live outside the data folder
and be readable by its owner only. A hardware module or a cloud KMS can implement the same
protocol later.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from steward.dataplane.atomic import atomic_write_text

KEY_BYTES = 32  # 256-bit keys
FILE_FORMAT = "steward-keys/1"
_KEY_ID = re.compile(r"^[a-z0-9][a-z0-9_./-]{0,199}$")


class KeyServiceError(Exception):
    """Base of key-service errors; messages name paths and key ids, never key material."""


class KeyFileError(KeyServiceError):
    """The key file is missing, unreadable, corrupt or too widely readable."""


class KeyNotFoundError(KeyServiceError):
    """The key service holds no key with that id."""


@runtime_checkable
class KeyService(Protocol):
    """Where master keys come from: a local file by default, a KMS in larger states."""

    def get_key(self, key_id: str) -> bytes:
        """Return the key, or raise KeyNotFoundError."""
        ...

    def create_key(self, key_id: str) -> bytes:
        """Create the key if absent and return it; calling it again returns the same key."""
        ...

    def has_key(self, key_id: str) -> bool:
        """Whether a key with this id exists."""
        ...


def warehouse_key_id(agency: str, dataset: str) -> str:
    """The id of the master key that protects one agency's dataset in the warehouse."""
    return check_key_id(f"warehouse.{agency}.{dataset}")


def project_key_id(project: str) -> str:
    """The id of the pseudonym key of one project, so two projects' extracts cannot be joined."""
    return check_key_id(f"pseudonym.{project}")


def check_key_id(key_id: str) -> str:
    """Return ``key_id`` if it is a safe id (lowercase letters, digits, ``_./-``)."""
    if not isinstance(key_id, str) or not _KEY_ID.match(key_id):
        raise ValueError(f"invalid key id {key_id!r}: use lowercase letters, digits and _./-")
    return key_id


class LocalKeyFile:
    """Keys in one JSON file (mode 0600, folder 0700 when created), base64-encoded."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).absolute()

    def __repr__(self) -> str:
        return f"LocalKeyFile({str(self.path)!r})"

    def get_key(self, key_id: str) -> bytes:
        """Return the key with this id; raise KeyFileError or KeyNotFoundError otherwise."""
        check_key_id(key_id)
        keys = self._load()
        if key_id not in keys:
            raise KeyNotFoundError(f"no key {key_id!r} in key file {self.path}")
        return keys[key_id]

    def has_key(self, key_id: str) -> bool:
        """Whether the file holds this key (False when the file does not exist yet)."""
        check_key_id(key_id)
        if not self.path.exists():
            return False
        return key_id in self._load()

    def create_key(self, key_id: str) -> bytes:
        """Add a fresh random key unless one exists; return the key now stored."""
        check_key_id(key_id)
        with self._locked():
            raw = self._read_raw() if self.path.exists() else {"format": FILE_FORMAT, "keys": {}}
            keys = self._decode(raw)
            if key_id in keys:
                return keys[key_id]
            key = secrets.token_bytes(KEY_BYTES)
            raw["keys"][key_id] = {
                "key": base64.b64encode(key).decode("ascii"),
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            atomic_write_text(self.path, json.dumps(raw, indent=2, sort_keys=True) + "\n")
            return key

    def key_ids(self) -> list[str]:
        """The ids of the keys in the file, sorted."""
        return sorted(self._load()) if self.path.exists() else []

    def _load(self) -> dict[str, bytes]:
        return self._decode(self._read_raw())

    def _read_raw(self) -> dict:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise KeyFileError(f"key file {self.path} does not exist") from None
        if not stat.S_ISREG(st.st_mode):
            raise KeyFileError(f"key file {self.path} is not a regular file")
        if st.st_mode & 0o077:
            raise KeyFileError(
                f"key file {self.path} has mode {stat.S_IMODE(st.st_mode):04o}; it must be "
                f"readable by its owner only (chmod 600 {self.path})"
            )
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            # The parser's message could quote key material; say only where and what kind.
            raise KeyFileError(
                f"key file {self.path} is not valid JSON ({type(exc).__name__})"
            ) from None
        if not isinstance(raw, dict) or raw.get("format") != FILE_FORMAT:
            raise KeyFileError(f"key file {self.path} is not a {FILE_FORMAT} file")
        if not isinstance(raw.get("keys"), dict):
            raise KeyFileError(f"key file {self.path} has no 'keys' object")
        return raw

    def _decode(self, raw: dict) -> dict[str, bytes]:
        keys = {}
        for key_id, entry in raw["keys"].items():
            try:
                key = base64.b64decode(entry["key"], validate=True)
            except (TypeError, KeyError, binascii.Error):
                raise KeyFileError(f"key {key_id!r} in key file {self.path} is malformed") from None
            if len(key) != KEY_BYTES:
                raise KeyFileError(f"key {key_id!r} in key file {self.path} is not 256 bits")
            keys[key_id] = key
        return keys

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # Serializes concurrent create_key calls (workers, CLI) on the same file.
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True)
        lock = folder / f".{self.path.name}.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
