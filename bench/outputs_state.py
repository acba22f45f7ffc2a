"""Benchmark: a state-sized table through the platform's disclosure-control pages.

The statewide enrollment table of `bench/sdc.py` (40 districts, 300 schools, grades K-12, 14
race-by-gender groups: 54,600 leaf rows, 105,028 cells with the margins) as the CSV a person
uploads on *Protect a table*. In a temporary SQLite database with the demo's people, it is
queued and protected by its job (run here in the process, as the worker runs it), shown on its
page, recorded as released, verified by the release's job, shown on the release's page and in
the ledger, and released again (audited with the first by the ledger). Baseline, in the same
run: the library alone (`protect_rows`) on the same CSV, to which the job adds the platform's
storage, encryption and audit entries. Prints one JSON line.

    .venv/bin/python bench/outputs_state.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from sdc import synthetic_state

DIMS = ["district", "school", "grade", "race", "group"]


def state_csv() -> bytes:
    """The state table's leaf cells as an upload: one row per school, grade and group."""
    table = synthetic_state(seed=2026)
    school, grade, group = table.dimensions
    values = np.asarray(table.flat_values).reshape(table.shape)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*DIMS, "n"])
    for s in np.flatnonzero(school.is_leaf):
        district = school.codes[school.parents[s]]
        for g in np.flatnonzero(grade.is_leaf):
            for u in np.flatnonzero(group.is_leaf):
                code = group.codes[u]
                row = [district, school.codes[s], grade.codes[g], code.split("-")[0], code]
                writer.writerow([*row, int(values[s, g, u])])
    return out.getvalue().encode()


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def median_get(client, url: str, repeats: int, **headers) -> float:
    seconds = []
    for _ in range(repeats):
        response, elapsed = timed(client.get, url, **headers)
        assert response.status_code == 200, (url, response.status_code)
        seconds.append(elapsed)
    return round(statistics.median(seconds), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="page views timed per page")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="steward-bench-outputs-"))
    try:
        run(root, args.repeats)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(root: Path, repeats: int) -> None:
    os.environ.update(
        STEWARD_DEBUG="false",
        STEWARD_SECRET_KEY=secrets.token_urlsafe(50),
        STEWARD_ALLOWED_HOSTS="testserver",
        STEWARD_SSL_REDIRECT="false",
        STEWARD_DATA_DIR=str(root / "var"),
        STEWARD_KEY_FILE=str(root / "keys" / "keys.json"),
        STEWARD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="steward.settings",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from steward.core.demo import personas_seed
    from steward.core.jobs import job_run
    from steward.dataplane.sdc import DisclosureRules, protect_rows
    from steward.outputs.services import release_record, table_protect_start

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production settings
    people = {persona.key: user for persona, user in personas_seed()}
    maya = people["maya"]
    data = state_csv()

    # The library alone, as the baseline.
    baseline, library_seconds = timed(protect_rows, data.decode(), DIMS, "n", DisclosureRules())

    table, queue_seconds = timed(
        table_protect_start, actor=maya, data=data, name="state.csv", dims=DIMS, count="n"
    )
    job, protect_job_seconds = timed(job_run, table.job)
    assert job.status == "succeeded", job.error
    table.refresh_from_db()
    client = Client()
    client.force_login(maya)
    page = reverse("outputs:protected", kwargs={"pk": table.pk})
    protected_page = median_get(client, f"{page}?page=200", repeats)

    release, release_seconds = timed(
        release_record, actor=maya, protected_table=table, title="State enrollment",
        population="Enrollment, statewide", source="sea_report",
    )  # fmt: skip
    job, verify_job_seconds = timed(job_run, release.verify_job)
    assert job.status == "succeeded" and job.result["verified"], job.error
    # The same table released again for the same population: audited with the first.
    _, again_seconds = timed(
        release_record, actor=maya, protected_table=table, title="State enrollment, again",
        population="Enrollment, statewide", source="sea_report",
    )  # fmt: skip
    url = reverse("outputs:release", kwargs={"pk": release.pk})
    release_page = median_get(client, url, repeats)
    poll = median_get(client, url, repeats, HTTP_HX_REQUEST="true")
    ledger_page = median_get(client, reverse("outputs:releases"), repeats)

    print(
        json.dumps(
            {
                "bench": "outputs_state",
                "leaf_rows": data.count(b"\n") - 1,
                "cells": table.n_cells,
                "hidden": table.n_suppressed,
                "passed": table.passed,
                "same_cells_as_library": table.n_suppressed
                == int(baseline.protection.suppressed.sum()),
                "library_protect_seconds": round(library_seconds, 2),
                "upload_checked_and_queued_seconds": round(queue_seconds, 2),
                "protect_job_seconds": round(protect_job_seconds, 2),
                "protect_job_over_library": round(protect_job_seconds / library_seconds, 2),
                "protected_page_seconds": protected_page,
                "release_record_seconds": round(release_seconds, 2),
                "verify_job_seconds": round(verify_job_seconds, 2),
                "release_again_with_the_ledger_seconds": round(again_seconds, 2),
                "release_page_seconds": release_page,
                "release_poll_seconds": poll,
                "ledger_page_seconds": ledger_page,
            }
        )
    )


if __name__ == "__main__":
    main()
