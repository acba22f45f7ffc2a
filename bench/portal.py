"""Benchmark: the public portal under a concurrent client on loopback.

Builds a database with 2,000 projects, 20,000 progress meetings and 5,000 research-use entries
(bulk_create; a temporary SQLite database, or the PostgreSQL database named by DATABASE_URL,
which must be a scratch database: its tables are filled), serves it with `steward serve`
(gunicorn), and drives it with 16 client threads, each on its own keep-alive connection, over
the public pages, with production settings; then again with the public page cache turned off
(STEWARD_PAGE_CACHE=false), the same server and database. Prints per-page and overall p50/p95
latency and throughput; the last line is one JSON object. Goal: p95 under 100 ms.

    .venv/bin/python bench/portal.py [--requests 4000] [--connections 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

PROJECTS = 2_000
MEETINGS = 20_000
RESEARCH_USES = 5_000
QUESTIONS = 60
PARTNERSHIPS = 20


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    # Production settings, as an operator runs it (plain HTTP on loopback: no TLS redirect).
    env.update(
        STEWARD_DEBUG="false",
        STEWARD_SECRET_KEY=secrets.token_urlsafe(50),
        STEWARD_ALLOWED_HOSTS="127.0.0.1",
        STEWARD_SSL_REDIRECT="false",
        STEWARD_DATA_DIR=str(root / "var"),
        STEWARD_KEY_FILE=str(root / "keys" / "keys.json"),
        STEWARD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="steward.settings",
    )
    return env


def build() -> dict[str, list[int]]:
    """Migrate and fill the database (settings from the environment); returns the ids the
    client needs."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from steward.accounts.models import Organization
    from steward.agenda.models import (
        AgendaQuestion,
        Meeting,
        Milestone,
        Partnership,
        PartnershipParty,
        PreAnalysisPlan,
        Project,
    )
    from steward.core.demo import personas_seed
    from steward.core.personas import PERSONAS_BY_KEY
    from steward.portal.models import ResearchUse

    if Project.objects.exists():
        raise SystemExit("the database already holds projects: point DATABASE_URL at a scratch one")
    people = {persona.key: user for persona, user in personas_seed()}
    ana, maya = people["ana"], people["maya"]
    assert PERSONAS_BY_KEY["ana"].email == ana.email
    random.seed(7)
    organizations = list(Organization.objects.all())
    words = [
        "attendance",
        "absence",
        "college",
        "enrollment",
        "reading",
        "math",
        "teachers",
        "rural",
        "urban",
        "career",
    ]

    def sentence(n: int) -> str:
        return " ".join(random.choice(words) for _ in range(n)).capitalize() + "."

    AgendaQuestion.objects.bulk_create(
        AgendaQuestion(
            title=f"Question {i}: {sentence(8)}",
            description=sentence(60),
            policy_area=random.choice(words).title(),
            priority=random.choice([1, 2, 3]),
            source=random.choice(["board", "legislature", "districts", "stakeholders"]),
            status=random.choice(["open", "in_progress"]),
        )
        for i in range(QUESTIONS)
    )
    questions = list(AgendaQuestion.objects.all())
    Partnership.objects.bulk_create(
        Partnership(
            name=f"Alliance {i}",
            kind="alliance",
            summary=sentence(40),
            proposes_questions=sentence(12),
            decides_publication=sentence(12),
            interprets_findings=sentence(12),
            disseminates=sentence(12),
            independence=sentence(12),
            starts_on=date(2024, 1, 1),
        )
        for i in range(PARTNERSHIPS)
    )
    partnerships = list(Partnership.objects.all())
    PartnershipParty.objects.bulk_create(
        PartnershipParty(partnership=p, organization=o, role="Partner")
        for p in partnerships
        for o in random.sample(organizations, 3)
    )
    start = date(2020, 1, 1)
    Project.objects.bulk_create(
        Project(
            partnership=random.choice(partnerships),
            title=f"Study {i}: {sentence(6)}",
            summary=sentence(80),
            pi=ana,
            liaison=maya,
            status=random.choice(["active", "active", "completed", "planned"]),
            starts_on=start + timedelta(days=i),
        )
        for i in range(PROJECTS)
    )
    projects = list(Project.objects.all())
    links = Project.questions.through
    links.objects.bulk_create(
        links(project_id=p.pk, agendaquestion_id=q.pk)
        for p in projects
        for q in random.sample(questions, 2)
    )
    Meeting.objects.bulk_create(
        (
            Meeting(
                project=projects[i % PROJECTS],
                held_on=start + timedelta(days=i % 900),
                attendees="Maya Chen\nDr. Ana Ortiz",
                notes=sentence(40),
            )
            for i in range(MEETINGS)
        ),
        batch_size=2000,
    )
    Milestone.objects.bulk_create(
        Milestone(
            project=p, title=sentence(4), due_on=p.starts_on + timedelta(days=90 * k), owner=ana
        )
        for p in projects
        for k in range(3)
    )
    PreAnalysisPlan.objects.bulk_create(
        PreAnalysisPlan(
            project=p,
            version=1,
            questions=sentence(40),
            data=sentence(40),
            methods=sentence(40),
            outcomes=sentence(20),
            registered_by=ana,
        )
        for p in projects
    )
    public = [p for p in projects if p.status in Project.PUBLIC_STATUSES]
    ResearchUse.objects.bulk_create(
        (
            ResearchUse(
                kind=random.choice(["citation", "district", "policy"]),
                description=sentence(30),
                used_by=f"District {i % 40}",
                used_on=start + timedelta(days=i % 2000),
                source=f"Minutes {i}",
                project=random.choice(public),
            )
            for i in range(RESEARCH_USES)
        ),
        batch_size=2000,
    )
    from django.db import connection

    connection.close()
    return {"public_projects": [p.pk for p in public]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped while starting")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/privacy/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not answer within 60 s")


def _paths(ids: dict) -> list[tuple[str, str]]:
    """(page kind, path) for one round over the public pages."""
    project = random.choice(ids["public_projects"])
    return [
        ("home", "/"),
        ("agenda", "/agenda/"),
        ("projects", "/projects/"),
        ("projects page 20", "/projects/?page=20"),
        ("project", f"/projects/{project}/"),
        ("plan", f"/projects/{project}/plans/1/"),
        ("research use", "/research-use/"),
        ("research use page 100", "/research-use/?page=100"),
        ("feed", "/feed/"),
        ("search", "/search/?q=absence+college"),
        ("privacy", "/privacy/"),
    ]


def drive(port: int, ids: dict, requests: int, connections: int) -> dict:
    timings: dict[str, list[float]] = {}
    errors = []
    lock = threading.Lock()
    per_thread = requests // connections

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: dict[str, list[float]] = {}
        done = 0
        while done < per_thread:
            random.seed(rng.random())
            for kind, path in _paths(ids):
                if done >= per_thread:
                    break
                began = time.perf_counter()
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - began
                if response.status != 200:
                    errors.append(f"{path}: {response.status}")
                mine.setdefault(kind, []).append(elapsed)
                done += 1
        connection.close()
        with lock:
            for kind, values in mine.items():
                timings.setdefault(kind, []).extend(values)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {"timings": timings, "wall": wall, "errors": errors}


def _overall(run: dict, serial: dict) -> dict:
    everything = [t for values in run["timings"].values() for t in values]
    serial_all = [t for values in serial["timings"].values() for t in values]
    return {
        "errors": len(run["errors"]),
        "p50_ms": _ms(everything, 0.5),
        "p95_ms": _ms(everything, 0.95),
        "throughput_rps": round(len(everything) / run["wall"], 1),
        "serial_p50_ms": _ms(serial_all, 0.5),
        "serial_p95_ms": _ms(serial_all, 0.95),
    }


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _serve_and_drive(env: dict[str, str], ids: dict, args) -> tuple[dict, dict]:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "steward.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port, server)
        drive(port, ids, 20 * len(_paths(ids)), min(4, args.connections))  # warm up
        run = drive(port, ids, args.requests, args.connections)
        # One connection, one request at a time: what a page costs without queueing.
        serial = drive(port, ids, 20 * len(_paths(ids)), 1)
    finally:
        server.terminate()
        server.wait(timeout=20)
    return run, serial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="steward-bench-portal-") as tmp:
        root = Path(tmp)
        env = _environment(root)
        database = "postgresql" if env.get("DATABASE_URL") else "sqlite"
        began = time.perf_counter()
        result = subprocess.run(
            [sys.executable, __file__, "--build-only"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        ids = json.loads(result.stdout.strip().splitlines()[-1])
        build_seconds = round(time.perf_counter() - began, 1)
        subprocess.run(
            [sys.executable, "-m", "steward.cli", "collectstatic", "--noinput", "-v0"],
            env=env,
            check=True,
        )
        run, serial = _serve_and_drive(env, ids, args)
        # The same server and database without the public page cache: what caching buys.
        uncached_env = {**env, "STEWARD_PAGE_CACHE": "false"}
        uncached, uncached_serial = _serve_and_drive(uncached_env, ids, args)

    everything = [t for values in run["timings"].values() for t in values]
    serial_all = [t for values in serial["timings"].values() for t in values]
    pages = {
        kind: {"n": len(values), "p50_ms": _ms(values, 0.5), "p95_ms": _ms(values, 0.95)}
        for kind, values in sorted(run["timings"].items())
    }
    for kind, figures in pages.items():
        p50, p95 = figures["p50_ms"], figures["p95_ms"]
        print(f"{kind:24} n={figures['n']:5}  p50 {p50:7} ms  p95 {p95:7} ms")
    summary = {
        "benchmark": "portal",
        "database": database,
        "projects": PROJECTS,
        "meetings": MEETINGS,
        "research_uses": RESEARCH_USES,
        "connections": args.connections,
        "server": f"gunicorn gthread {args.workers}x{args.threads}",
        "requests": len(everything),
        "errors": len(run["errors"]),
        "p50_ms": _ms(everything, 0.5),
        "p95_ms": _ms(everything, 0.95),
        "mean_ms": round(1000 * statistics.fmean(everything), 1),
        "throughput_rps": round(len(everything) / run["wall"], 1),
        "serial_p50_ms": _ms(serial_all, 0.5),
        "serial_p95_ms": _ms(serial_all, 0.95),
        "uncached": _overall(uncached, uncached_serial),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "goal_p95_ms": 100,
        "build_seconds": build_seconds,
        "pages": pages,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    if sys.argv[1:] == ["--build-only"]:
        sys.stdout.write(json.dumps(build()) + "\n")
    else:
        main()
