"""Start-up refuses bad configuration by name; production settings pass Django's deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from steward.env import ConfigurationError, env_bool, env_list, env_secret

STEWARD = [sys.executable, "-m", "steward.cli"]


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    base.update({"STEWARD_DATA_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [*STEWARD, *args], env=base, capture_output=True, text=True, timeout=120, check=False
    )


PRODUCTION = {
    "STEWARD_DEBUG": "false",
    "STEWARD_SECRET_KEY": "k" * 20 + "-production-secret-key-for-the-deploy-check-only-0123456789",
    "STEWARD_ALLOWED_HOSTS": "research.education.lakeland.gov",
}


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_bad_boolean_stops_start_up_naming_the_variable(tmp_path):
    result = _run(["check"], tmp_path, STEWARD_DEBUG="maybe")
    assert result.returncode == 2
    assert "STEWARD_DEBUG" in result.stderr
    assert "maybe" in result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    env = {**PRODUCTION}
    del env["STEWARD_SECRET_KEY"]
    result = _run(["check"], tmp_path, **env)
    assert result.returncode == 2
    assert "STEWARD_SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start(tmp_path):
    env = {**PRODUCTION}
    del env["STEWARD_ALLOWED_HOSTS"]
    result = _run(["check"], tmp_path, **env)
    assert result.returncode == 2
    assert "STEWARD_ALLOWED_HOSTS" in result.stderr


def test_an_unsupported_database_url_is_refused(tmp_path):
    result = _run(["check"], tmp_path, STEWARD_DEBUG="true", DATABASE_URL="mysql://x@y/z")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path, monkeypatch):
    key_file = tmp_path / "secret"
    key_file.write_text("s" * 64 + "\n")
    monkeypatch.delenv("STEWARD_SECRET_KEY", raising=False)
    monkeypatch.setenv("STEWARD_SECRET_KEY_FILE", str(key_file))
    assert env_secret("STEWARD_SECRET_KEY", required=True, data_dir=None) == "s" * 64


def test_a_missing_secret_key_file_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("STEWARD_SECRET_KEY", raising=False)
    monkeypatch.setenv("STEWARD_SECRET_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(ConfigurationError, match="STEWARD_SECRET_KEY_FILE"):
        env_secret("STEWARD_SECRET_KEY", required=True, data_dir=None)


def test_a_short_secret_key_is_refused(monkeypatch):
    monkeypatch.setenv("STEWARD_SECRET_KEY", "short")
    with pytest.raises(ConfigurationError, match="too short"):
        env_secret("STEWARD_SECRET_KEY", required=True, data_dir=None)


def test_development_secret_is_created_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("STEWARD_SECRET_KEY", raising=False)
    monkeypatch.delenv("STEWARD_SECRET_KEY_FILE", raising=False)
    first = env_secret("STEWARD_SECRET_KEY", required=False, data_dir=tmp_path)
    second = env_secret("STEWARD_SECRET_KEY", required=False, data_dir=tmp_path)
    assert first == second and len(first) >= 50
    assert (tmp_path / ".secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("Yes", True), ("off", False)])
def test_booleans_accept_the_usual_words(monkeypatch, raw, value):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", default=not value) is value


def test_a_list_with_an_empty_item_is_refused(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.gov,,b.gov")
    with pytest.raises(ConfigurationError, match="X_HOSTS"):
        env_list("X_HOSTS", default=[])


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    script = (
        "import django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        STEWARD_DEBUG="true",
        STEWARD_DATA_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="steward.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["wal", "20000"]


def test_static_files_collect_under_production_settings(tmp_path):
    # The manifest storage refuses a stylesheet that names a missing file (an image, a map).
    result = _run(["collectstatic", "--noinput"], tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "var" / "static" / "staticfiles.json").is_file()
