"""Strict readers of environment variables: a bad value stops start-up with a message naming it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name}: expected true or false, got {raw!r}.")


def env_int(name: str, *, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}: expected a whole number, got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name}: must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items) and raw.strip():
        raise ConfigurationError(f"{name}: empty item in comma-separated list {raw!r}.")
    return [item for item in items if item]


def env_path(name: str, *, default: Path) -> Path:
    raw = os.environ.get(name)
    if raw is None:
        return default.resolve()
    if not raw.strip():
        raise ConfigurationError(f"{name}: set but empty; unset it or give a folder path.")
    return Path(raw).expanduser().resolve()


def env_secret(name: str, *, required: bool, data_dir: Path | None) -> str:
    """Read a secret from NAME or from the file named by NAME_FILE.

    In development (not required) a random key is created once under data_dir, so sessions
    survive restarts without anyone having to invent a key.
    """
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if value and file_name:
        raise ConfigurationError(f"{name} and {name}_FILE are both set; keep one.")
    if file_name:
        path = Path(file_name).expanduser()
        try:
            value = path.read_text().strip()
        except OSError as error:
            raise ConfigurationError(
                f"{name}_FILE: cannot read {path}: {error.strerror}."
            ) from None
        if not value:
            raise ConfigurationError(f"{name}_FILE: {path} is empty.")
    if value:
        if name.endswith("SECRET_KEY") and len(value) < 50:
            raise ConfigurationError(f"{name}: too short; use at least 50 random characters.")
        return value
    if required:
        raise ConfigurationError(f"{name} (or {name}_FILE) must be set in production.")
    if data_dir is None:
        return ""
    return _development_secret(data_dir / ".secret_key")


def _development_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def env_database(name: str, *, sqlite_path: Path) -> dict[str, Any]:
    """The default database: DATABASE_URL when set, else SQLite under the data folder."""
    import dj_database_url

    raw = os.environ.get(name, "").strip()
    if not raw:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)}
    else:
        try:
            config = dj_database_url.parse(raw)
        except ValueError as error:
            raise ConfigurationError(f"{name}: {error}") from None
        if config["ENGINE"] not in (
            "django.db.backends.sqlite3",
            "django.db.backends.postgresql",
        ):
            raise ConfigurationError(f"{name}: only sqlite:// and postgres:// are supported.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while a writer commits; IMMEDIATE transactions take the write
        # lock up front, so two writers queue (busy timeout) instead of failing mid-transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    # Keep each server thread's connection between requests (opening one, and for SQLite
    # running its pragmas, costs more than serving a cached page).
    config["CONN_MAX_AGE"] = 60  # dj_database_url's parse sets 0: close after each request
    config["CONN_HEALTH_CHECKS"] = True
    return config
