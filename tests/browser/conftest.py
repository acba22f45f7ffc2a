"""A real Steward (demo personas, gunicorn, worker) on a free port, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

STEWARD = [sys.executable, "-m", "steward.cli"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


class LiveSteward:
    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.env = env
        self.used_codes: set[tuple[str, str]] = set()

    def totp_code(self, persona: str) -> str:
        """A code the server has not accepted yet: it refuses a code used twice (replay), so a
        second sign-in within the same 30-second window waits for the next code."""
        deadline = time.monotonic() + 45
        while True:
            result = subprocess.run(
                [*STEWARD, "demo", "code", persona],
                env=self.env,
                capture_output=True,
                text=True,
                check=True,
            )
            code = result.stdout.strip()
            if (persona, code) not in self.used_codes or time.monotonic() > deadline:
                self.used_codes.add((persona, code))
                return code
            time.sleep(2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped while starting")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within 60 s")


@pytest.fixture(scope="session")
def live_steward(tmp_path_factory) -> Iterator[LiveSteward]:
    # The browser tests use their own SQLite database, whatever DATABASE_URL the suite runs on:
    # the server is a separate process and cannot see the test transaction.
    root = tmp_path_factory.mktemp("live")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.pop("DATABASE_URL", None)
    env.update(STEWARD_DEBUG="true", STEWARD_DATA_DIR=str(root / "var"))
    env["STEWARD_KEY_FILE"] = str(root / "keys" / "keys.json")
    subprocess.run([*STEWARD, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*STEWARD, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [*STEWARD, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_until_up(url + "/", server)
        yield LiveSteward(url, env)
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="session")
def chromium():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Browser tests need Debian's chromium: `apt-get install -y chromium chromium-driver` "
            "(.ci/run installs it)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    # axe-core is injected as a script; the site's CSP (rightly) forbids that, so only the
    # test browser bypasses it.
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.1 A or AA violation on the page as it stands."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
            .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join('; ')})`)"""
    )
    assert violations == [], f"{page.url}:\n" + "\n".join(violations)


def _sign_in(page, live: LiveSteward, persona: str, *, mfa: bool, check=None) -> None:
    """Sign in through the login page (and the code page with `mfa`); `check`, when given, is
    called on each page on the way: login, code, home."""
    check = check or (lambda _page: None)
    page.goto(f"{live.url}/accounts/login/")
    check(page)
    page.fill("input[name=login]", f"{persona}@demo.steward.test")
    page.fill("input[name=password]", "lakeland-demo-2026")
    page.click("form.usa-form button[type=submit]")
    if mfa:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        check(page)
        page.fill("input[name=code]", live.totp_code(persona))
        page.click("form.usa-form button[type=submit]")
    page.wait_for_url(f"{live.url}/")
    check(page)


@pytest.fixture
def assert_accessible():
    return _assert_accessible


@pytest.fixture
def sign_in(live_steward):
    return lambda page, persona, *, mfa, check=None: _sign_in(
        page, live_steward, persona, mfa=mfa, check=check
    )
