"""`steward demo`: personas with MFA, codes that work, refusal in production, and a served site."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django.core.management import call_command

from steward.access.demo import VENDOR_EMAIL
from steward.core.personas import ORGANIZATIONS, PERSONAS

STEWARD = [sys.executable, "-m", "steward.cli"]


@pytest.mark.django_db
def test_privileged_personas_are_enrolled_in_mfa_and_researchers_are_not(people):
    for persona in PERSONAS:
        assert people[persona.key].has_mfa is persona.privileged, persona.key


@pytest.mark.django_db
def test_demo_code_prints_a_code_the_login_accepts(people, capsys):
    call_command("demo", "code", "priya")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    authenticator = people["priya"].authenticator_set.get(type="totp")
    assert validate_totp_code(decrypt(authenticator.data["secret"]), code)


@pytest.mark.django_db
def test_each_data_steward_is_bound_to_their_agency(people):
    assert people["daniel"].steward_agency.code == "lde"
    assert people["rosa"].steward_agency.code == "lhec"
    assert people["victor"].steward_agency.code == "lwc"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.pop("DATABASE_URL", None)  # the demo runs on its own SQLite file here
    env.update(STEWARD_DATA_DIR=str(tmp_path / "var"), **extra)
    return env


def test_demo_refuses_to_run_with_production_settings(tmp_path):
    env = _env(
        tmp_path,
        STEWARD_DEBUG="false",
        STEWARD_SECRET_KEY="p" * 60,
        STEWARD_ALLOWED_HOSTS="research.example.gov",
    )
    result = subprocess.run(
        [*STEWARD, "demo", "--no-serve"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "refuses to run with production settings" in result.stderr
    assert not (tmp_path / "var" / "steward.sqlite3").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status


def test_demo_sets_up_and_serves_home_and_login(tmp_path):
    port = _free_port()
    env = _env(tmp_path, STEWARD_DEBUG="true")
    process = subprocess.Popen(
        [*STEWARD, "demo", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        statuses = {}
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and len(statuses) < 2:
            for path in ("/", "/accounts/login/"):
                try:
                    statuses[path] = _get(f"http://127.0.0.1:{port}{path}")
                except OSError:
                    time.sleep(0.5)
            assert process.poll() is None, process.stdout.read()
        assert statuses == {"/": 200, "/accounts/login/": 200}
    finally:
        os.killpg(process.pid, 15)
        output, _ = process.communicate(timeout=30)
    assert "maya@demo.steward.test" in output
    assert "lakeland-demo-2026" in output


# Idempotency and --reset, on a small state so that each run takes seconds, not minutes. The
# demo runs in its own process with its own SQLite file, as a person would run it.
SMALL_DEMO = [
    sys.executable,
    "-c",
    "import sys, django; django.setup()\n"
    "import steward.catalog.demo as d\n"
    "d.DEMO_STUDENTS = 300\n"
    "d.DEMO_YEARS = (2019, 2020)\n"
    "from steward.cli import main\n"
    "main(sys.argv[1:])",
]
# A second run adds only an audit entry for the catalog load and a page-cache change mark.
GROWS_ON_RERUN = {"core_auditentry", "core_pagechange"}


def _small_demo(tmp_path: Path, *args: str) -> str:
    env = _env(tmp_path, STEWARD_DEBUG="true", DJANGO_SETTINGS_MODULE="steward.settings")
    result = subprocess.run(
        [*SMALL_DEMO, "demo", "--no-serve", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _database(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "var" / "steward.sqlite3")


def _row_counts(tmp_path: Path) -> dict[str, int]:
    with closing(_database(tmp_path)) as database:
        tables = [
            name
            for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            name: database.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            for name in tables
        }


def _totp_secrets(output: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)@demo\.steward\.test\s+│\s+([A-Z2-7]{32})\b", output))


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory) -> tuple[Path, str]:
    """One small demo set up for the tests below (each leaves it a complete demo)."""
    folder = tmp_path_factory.mktemp("demo")
    return folder, _small_demo(folder)


def test_demo_run_twice_leaves_the_same_people_organizations_and_data(small_demo):
    tmp_path, first_output = small_demo
    first = _row_counts(tmp_path)
    # The personas, and the vendor of the story's denied request (access.demo).
    assert first["accounts_user"] == len(PERSONAS) + 1
    assert first["accounts_organization"] == len(ORGANIZATIONS)

    second_output = _small_demo(tmp_path)
    second = _row_counts(tmp_path)

    assert {table: count for table, count in second.items() if table not in GROWS_ON_RERUN} == {
        table: count for table, count in first.items() if table not in GROWS_ON_RERUN
    }
    with closing(_database(tmp_path)) as database:
        emails = [email for (email,) in database.execute("SELECT email FROM accounts_user")]
        codes = [code for (code,) in database.execute("SELECT code FROM accounts_organization")]
        added = database.execute(
            "SELECT action FROM core_auditentry WHERE seq > ?", (first["core_auditentry"],)
        ).fetchall()
    assert sorted(emails) == sorted([*(persona.email for persona in PERSONAS), VENDOR_EMAIL])
    assert sorted(codes) == sorted(seed.code for seed in ORGANIZATIONS)
    assert {action for (action,) in added} <= {"catalog.loaded"}
    assert "not ingested again" in second_output
    # Phones enrolled on the first run keep working: the same secrets are printed.
    assert len(_totp_secrets(first_output)) == sum(p.privileged for p in PERSONAS)
    assert _totp_secrets(second_output) == _totp_secrets(first_output)


def test_demo_reset_starts_over(small_demo):
    tmp_path, first_output = small_demo
    with closing(_database(tmp_path)) as database, database:
        database.execute(
            "UPDATE accounts_user SET full_name = 'Renamed' WHERE email = 'maya@demo.steward.test'"
        )
        database.execute("DELETE FROM account_emailaddress WHERE email = 'ben@demo.steward.test'")
    leftover = tmp_path / "var" / "warehouse" / "leftover.txt"
    leftover.write_text("from before the reset")
    with closing(_database(tmp_path)) as database:
        assert database.execute("SELECT count(*) FROM core_auditentry").fetchone()[0] > 0

    output = _small_demo(tmp_path, "--reset")

    assert "Demo reset: database and data folders emptied." in output
    assert "Ingesting the synthetic state" in output  # the warehouse was filled again
    assert not leftover.exists()
    with closing(_database(tmp_path)) as database:
        assert database.execute(
            "SELECT full_name FROM accounts_user WHERE email = 'maya@demo.steward.test'"
        ).fetchone() == ("Maya Chen",)
        assert database.execute(
            "SELECT verified FROM account_emailaddress WHERE email = 'ben@demo.steward.test'"
        ).fetchone() == (1,)
    counts = _row_counts(tmp_path)
    assert counts["accounts_user"] == len(PERSONAS) + 1
    assert counts["accounts_organization"] == len(ORGANIZATIONS)
    assert _totp_secrets(output) == _totp_secrets(first_output)
