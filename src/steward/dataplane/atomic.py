"""Atomic file writes: a crash leaves the old file or the new one, never a partial file."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

PRIVATE_FILE_MODE = 0o600


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries to disk so a rename inside it survives a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(target: Path) -> Path:
    """A hidden, unique temp name next to ``target``; same folder so os.replace stays atomic."""
    return target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"


def is_temp_file(path: Path) -> bool:
    """True for a name made by :func:`temp_path_for` (left behind only by a crashed writer)."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


@contextlib.contextmanager
def atomic_path(target: Path, *, mode: int = PRIVATE_FILE_MODE) -> Iterator[Path]:
    """Yield a temp path to write in full; on clean exit it replaces ``target`` atomically.

    The temp file exists (empty, with ``mode``) before the caller writes, so no other user
    can open it in between. On an exception the temp file is removed and ``target`` is untouched.
    """
    target = Path(target)
    tmp = temp_path_for(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.close(fd)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def atomic_write_bytes(target: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE) -> None:
    """Write ``data`` to ``target`` atomically (temp file, fsync, rename, fsync folder)."""
    with atomic_path(target, mode=mode) as tmp, open(tmp, "wb") as f:
        f.write(data)


def atomic_write_text(
    target: Path, text: str, *, mode: int = PRIVATE_FILE_MODE, encoding: str = "utf-8"
) -> None:
    """Write ``text`` to ``target`` atomically."""
    atomic_write_bytes(target, text.encode(encoding), mode=mode)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
