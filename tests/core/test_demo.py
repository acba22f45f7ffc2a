"""`steward demo`: personas with MFA, codes that work, refusal in production, and a served site."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django.core.management import call_command

from steward.core.personas import PERSONAS

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
