"""Two decisions on the same request at the same moment, on PostgreSQL: exactly one decision and
one audit entry are recorded; the other is told someone got there first.

The audit table refuses DELETE and TRUNCATE, so a transactional test could not clean up. This
test creates its own database, migrates and seeds it with `steward` subprocesses, races two
processes (each with its own connection) that meet at a file barrier before deciding, and drops
the database at the end.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

DATABASE_URL = os.environ.get("DATABASE_URL", "")
STEWARD = [sys.executable, "-m", "steward.cli"]

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="the race needs PostgreSQL's row locks: run with DATABASE_URL=postgres://…",
)

SEED = """
from steward.access.demo import (
    complete_request, committee_seed, sign_all, to_signoff, training_seed, vote,
)
from steward.accounts.models import User
from steward.catalog.services import catalog_load
from steward.core.demo import personas_seed
personas_seed()
catalog_load(actor=None)
committee_seed()
people = {u.email.split("@")[0]: u for u in User.objects.all()}
training_seed(people["ana"])
request = complete_request(actor=people["ana"], title="A raced study")
to_signoff(request, author=people["ana"])
sign_all(request)
vote(request, ["samuel", "hannah", "omar"], "approve")
print(request.pk)
"""

DECIDE = """
import pathlib, time
from steward.access.models import DataRequest
from steward.access.services import StaleRequest, decision_record
from steward.accounts.models import User
barrier = pathlib.Path({barrier!r})
request = DataRequest.objects.get(pk={pk})
grace = User.objects.get(email="grace@demo.steward.test")
granted = list(request.elements.values_list("pk", flat=True))
(barrier / "{me}").touch()
while len(list(barrier.iterdir())) < 2:
    time.sleep(0.01)
try:
    decision_record(actor=grace, data_request=request, outcome="approved",
                    rationale="Sound.", granted_ids=granted)
    print("won")
except StaleRequest:
    print("lost")
"""


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _steward(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([*STEWARD, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_two_decisions_at_once_record_exactly_one_decision_and_one_audit_entry(tmp_path: Path):
    import psycopg

    name = f"steward_race_{secrets.token_hex(4)}"
    admin_url = _with_database(DATABASE_URL, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(DATABASE_URL, name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(
        DATABASE_URL=url,
        STEWARD_DEBUG="true",
        STEWARD_DATA_DIR=str(tmp_path / "var"),
        STEWARD_KEY_FILE=str(tmp_path / "keys" / "keys.json"),
    )
    try:
        _steward(env, "migrate", "--verbosity", "0")
        pk = int(_steward(env, "shell", "-c", SEED).strip().splitlines()[-1])
        barrier = tmp_path / "barrier"
        barrier.mkdir()
        racers = [
            subprocess.Popen(
                [*STEWARD, "shell", "-c", DECIDE.format(barrier=str(barrier), pk=pk, me=me)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for me in ("first", "second")
        ]
        outcomes = []
        for racer in racers:
            out, err = racer.communicate(timeout=300)
            assert racer.returncode == 0, err[-3000:]
            outcomes.append(out.strip().splitlines()[-1])
        assert sorted(outcomes) == ["lost", "won"]
        with psycopg.connect(url) as connection:
            decisions = connection.execute(
                "SELECT count(*) FROM access_decision WHERE request_id = %s", [pk]
            ).fetchone()[0]
            entries = connection.execute(
                "SELECT count(*) FROM core_auditentry WHERE action = 'request.decided' "
                "AND object_id = %s",
                [str(pk)],
            ).fetchone()[0]
            status = connection.execute(
                "SELECT status FROM access_datarequest WHERE id = %s", [pk]
            ).fetchone()[0]
        assert (decisions, entries, status) == (1, 1, "approved")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
