"""The command line's progress bar (rich) for jobs run from a terminal: `steward ingest-all`
counts files to the end, `steward ingest` follows its job and clears its bar, and a log file
(no terminal) gets the finished bar only, without control codes."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from rich.console import Console
from rich.progress import Progress as Bar

from steward.catalog.commandline import run_inline
from steward.catalog.plan import ingest_plan
from steward.core.jobs import Progress, job_create, job_kind
from steward.core.models import Job

pytestmark = pytest.mark.django_db

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SHOW_CURSOR = "\x1b[?25h"


@pytest.fixture
def terminal(monkeypatch):
    """rich writes to the command's stderr as it would to a terminal 120 columns wide."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def log_file(monkeypatch):
    """stderr is a file, and nothing in the environment says to treat it as a terminal."""
    for name in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def _run(*args: Any, **options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def _screen(stream: str) -> list[str]:
    """The non-blank lines a terminal shows once `stream` has been written to it (enough of a
    terminal for rich's live display: carriage return, new line, cursor up, erase line)."""
    lines, row, col = [""], 0, 0
    for token in re.split(r"(\x1b\[[0-9;?]*[A-Za-z]|\r|\n)", stream):
        if token == "\r":
            col = 0
        elif token == "\n":
            row, col = row + 1, 0
            lines += [""] * (row + 1 - len(lines))
        elif token.startswith("\x1b["):
            argument, code = token[2:-1], token[-1]
            if code == "A":
                row = max(0, row - int(argument or 1))
            elif code == "K":
                lines[row] = "" if argument == "2" else lines[row][:col]
        elif token:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return [line.rstrip() for line in lines if line.strip()]


def _file_counts(stream: str) -> list[tuple[int, int]]:
    """Each frame's count on the overall `Agency files` line, in the order drawn."""
    plain = ANSI.sub("", stream)
    return [
        (int(m[1]), int(m[2]))
        for m in re.finditer(r"Agency files\s+━*[╸╺]?━*\s+(\d+)/(\d+)", plain)
    ]


def test_ingest_all_draws_a_bar_that_counts_files_to_the_end(catalog, people, tiny_state, terminal):
    files = len(ingest_plan(tiny_state, agency="sea"))
    out, err = _run("ingest_all", str(tiny_state), received="due", agency="sea")

    counts = _file_counts(err)
    assert counts[0] == (0, files)  # drawn as soon as the bar appears
    assert counts[-1] == (files, files)  # and left on screen, complete
    assert counts == sorted(counts)  # never going back
    assert err.endswith(SHOW_CURSOR)  # the terminal gets its cursor back
    [line] = _screen(err)  # what stays on screen: the finished count, the file line hidden
    assert re.fullmatch(rf"Agency files ━+ {files}/{files} \d:\d\d:\d\d", line), line
    assert out == f"Ingested {files} files from {tiny_state}\n"


def test_ingest_all_into_a_log_file_writes_the_finished_bar_only(
    catalog, people, tiny_state, log_file
):
    files = len(ingest_plan(tiny_state, agency="sea"))
    _out, err = _run("ingest_all", str(tiny_state), received="due", agency="sea")

    assert ANSI.search(err) is None  # no cursor movements in a log
    assert _file_counts(err) == [(files, files)]
    assert err.count("\n") == 1


def test_ingest_shows_its_file_while_working_then_clears_the_bar(
    catalog, people, tiny_state, terminal
):
    path = tiny_state / "sea" / "districts" / "2019.csv"
    out, err = _run("ingest", str(path), agency="sea", dataset="districts", year=2019)

    assert "sea/districts/2019 ━" in ANSI.sub("", err)  # the bar was drawn
    assert _screen(err) == []  # and erased at the end (a transient bar)
    assert SHOW_CURSOR in err
    assert out.startswith("sea/districts/2019: accepted as version 1 (")


def test_quiet_commands_draw_no_bar(catalog, people, tiny_state, terminal):
    out, err = _run("ingest_all", str(tiny_state), received="due", agency="sea", verbosity=0)
    assert err == ""
    assert out.startswith("Ingested ")


# The bar follows the job's own progress (done of total), step by step.

WATCHED: dict[str, Any] = {"bar": None, "seen": []}


@job_kind("test.progress_bar", title="Count in steps, noting where the bar stands")
def stepping_job(progress: Progress, params: dict[str, Any]) -> dict[str, Any]:
    for done in range(1, 5):
        progress.update(done, 4)
        if WATCHED["bar"] is not None:
            task = WATCHED["bar"].tasks[0]
            WATCHED["seen"].append((task.completed, task.total))
    return {}


def test_the_bar_moves_with_each_progress_report_of_the_job(people):
    job = job_create(actor=people["daniel"], kind="test.progress_bar")
    with Bar(console=Console(file=io.StringIO(), force_terminal=True)) as bar:
        WATCHED.update(bar=bar, seen=[])
        task = bar.add_task("counting", total=None)
        try:
            job = run_inline(job, bar, task)
        finally:
            WATCHED["bar"] = None
        final = bar.tasks[0]
    assert job.status == Job.Status.SUCCEEDED
    assert WATCHED["seen"] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert (final.completed, final.total, final.finished) == (4, 4, True)


def test_a_job_the_worker_finished_first_still_shows_complete(people):
    job = job_create(actor=people["daniel"], kind="test.progress_bar")
    # The worker claimed and finished it between job_create and the command's own run.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, done=4, total=4)
    with Bar(console=Console(file=io.StringIO(), force_terminal=True)) as bar:
        task = bar.add_task("counting", total=None)
        job = run_inline(job, bar, task)
        final = bar.tasks[0]
    assert job.status == Job.Status.SUCCEEDED
    assert (final.completed, final.total) == (4, 4)
