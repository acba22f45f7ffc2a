"""An output's whole path in a real browser: Ben submits a table with one school of 4 students
and the checks stop it; he resubmits the district totals; Maya (the project's liaison) and Daniel
(the Department's data steward) approve; Dr. Ortiz writes the finding, Maya clears it for the SEA
and it is published through the pages (the SEA's clearance ends the review period early, so no
waiting); then a visitor who is not signed in reads it and downloads its protected table."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "lakeland-demo-2026"
PRIVILEGED = {"maya", "daniel"}
PROJECT = "Chronic absence in middle school and the road to college"
SEA = "Lakeland Department of Education"
TITLE = "Seventh graders chronically absent, by district"
POPULATION = "Grade 7, 2017-18, chronically absent, by district of grade 7 (browser story)"
# Birch Lake holds 4 students: the engine stops the table.
UNSAFE = (
    "district,school,n\n"
    "Northern Lakes,Pine Hollow,33\nNorthern Lakes,Birch Lake,4\nNorthern Lakes,Elk River,25\n"
    "Harbor City,Harbor Middle,151\nHarbor City,Bayview Middle,102\n"
)
SAFE = "district,n\nNorthern Lakes,62\nHarbor City,253\n"
MINIMUM_CELL = 10


class Desks:
    """One signed-in browser context per persona, kept for the module (each signs in once)."""

    def __init__(self, chromium, live) -> None:
        self.chromium, self.live, self.pages = chromium, live, {}

    def __call__(self, persona: str | None):
        if persona not in self.pages:
            context = self.chromium.new_context(bypass_csp=True, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(20_000)
            if persona is not None:
                self._sign_in(page, persona)
            self.pages[persona] = page
        return self.pages[persona]

    def _sign_in(self, page, persona: str) -> None:
        page.goto(f"{self.live.url}/accounts/login/")
        page.fill("input[name=login]", f"{persona}@demo.steward.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.usa-form button[type=submit]")
        if persona in PRIVILEGED:
            page.wait_for_url("**/accounts/2fa/authenticate/")
            for _attempt in range(3):
                # A code already used in this 30-second window (by another test) is refused;
                # the next window brings a fresh one.
                page.fill("input[name=code]", self.live.totp_code(persona))
                page.click("form.usa-form button[type=submit]")
                page.wait_for_load_state()
                if "/2fa/authenticate/" not in page.url:
                    break
                page.wait_for_timeout(5_000)
        page.wait_for_url(f"{self.live.url}/")

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def desks(chromium, live_steward):
    opened = Desks(chromium, live_steward)
    yield opened
    opened.close()


def _submit(page, url: str, data: str, dims: str, path: Path, *, resubmit_of: int | None) -> int:
    path.write_text(data)
    page.goto(f"{url}/workspace/outputs/new/" + (f"?previous={resubmit_of}" if resubmit_of else ""))
    if resubmit_of is None:
        page.select_option("[name=project]", label=PROJECT)
        page.click("label:has-text('Table of counts or rates')")
        page.fill("[name=title]", TITLE)
        page.fill(
            "[name=description]",
            "Students absent 10% or more of the days they were enrolled in grade 7 in 2017-18, "
            "counted by the district (and school) where they attended grade 7.",
        )
        page.fill("[name=population]", POPULATION)
        page.fill("[name=data_version]", "Extract 1 of the project (2016-2019 cohorts)")
        page.fill("[name=count]", "n")
        page.click(f"label:has-text('{SEA}')")
    page.fill("[name=dims]", dims)
    page.set_input_files("[name=file]", str(path))
    page.click("button:has-text('Submit for release')")
    page.wait_for_url(re.compile(r"/workspace/outputs/\d+/$"))
    return int(page.url.rstrip("/").split("/")[-1])


def _decide(page, url: str, output: int, reasons: str) -> None:
    page.goto(f"{url}/workspace/outputs/{output}/")
    page.click("label:has-text('Approve')")
    page.fill("[name=reasons]", reasons)
    page.click("button:has-text('Record my decision')")
    page.wait_for_selector(".usa-alert:has-text('Your decision is recorded')")


def _post_on_finding(page, url: str, finding: int, button: str, done: str) -> None:
    page.goto(f"{url}/workspace/findings/{finding}/")
    page.click(f"button:has-text('{button}')")
    page.wait_for_selector(f".usa-alert:has-text('{done}')")


def test_an_unsafe_output_is_stopped_fixed_checked_twice_published_and_downloaded_by_a_visitor(
    desks, live_steward, tmp_path, assert_accessible
):
    url = live_steward.url
    ben = desks("ben")

    stopped = _submit(
        ben, url, UNSAFE, "district,school", tmp_path / "by-school.csv", resubmit_of=None
    )
    result = ben.locator("[data-testid=engine-result]").inner_text()
    assert "1 unsafe cell" in result
    unsafe = ben.locator("[data-testid=cells] tr[data-unsafe=true]")
    assert unsafe.count() == 1
    assert "Birch Lake" in unsafe.inner_text()
    assert "Unsafe: fewer students than the minimum cell size" in unsafe.inner_text()
    assert_accessible(ben)

    ben.click("a:has-text('Resubmit a fixed version')")
    ben.wait_for_url("**/workspace/outputs/new/?previous=*")
    assert_accessible(ben)
    fixed = _submit(ben, url, SAFE, "district", tmp_path / "by-district.csv", resubmit_of=stopped)
    assert fixed != stopped
    assert "With the checkers" in ben.locator("h1 .usa-tag").text_content()
    assert ben.locator("[data-testid=cells] tr[data-unsafe=true]").count() == 0
    assert ben.locator("button:has-text('Record my decision')").count() == 0
    assert "A submitter never checks their own output" in ben.content()

    maya = desks("maya")
    maya.goto(f"{url}/workspace/outputs/{fixed}/")
    ledger = maya.locator("[data-testid=ledger]").inner_text()
    assert "No released table can be differenced" in ledger
    assert_accessible(maya)
    _decide(maya, url, fixed, "Clear description; only district totals are shown.")
    assert "With the checkers" in maya.locator("h1 .usa-tag").text_content()

    daniel = desks("daniel")
    _decide(daniel, url, fixed, "Every district's count is above the minimum cell size.")
    assert "Released" in daniel.locator("h1 .usa-tag").text_content()
    assert daniel.locator("[data-testid=released]").count() == 1
    checks = daniel.locator("[data-testid=checks]").inner_text()
    assert "Maya Chen" in checks and "Daniel Okafor" in checks
    assert_accessible(daniel)

    ana = desks("ana")
    ana.goto(f"{url}/workspace/findings/new/")
    ana.select_option("[name=project]", label=PROJECT)
    ana.fill("[name=title]", "Chronic absence in grade 7 is spread across districts")
    ana.fill("[name=summary]", "Harbor City holds most chronically absent seventh graders.")
    ana.fill("[name=implications]", "Outreach in the largest district reaches most of them.")
    ana.fill("[name=limits]", "Counts only; the table says nothing about causes.")
    ana.fill("[name=full_report]", "We counted chronically absent seventh graders by district.")
    ana.click(f"label:has-text('{TITLE} (version 2)')")
    assert_accessible(ana)
    ana.click("button:has-text('Save the draft')")
    ana.wait_for_url(re.compile(r"/workspace/findings/\d+/$"))
    finding = int(ana.url.rstrip("/").split("/")[-1])
    _post_on_finding(ana, url, finding, "Send to review", "The review period has begun")
    _post_on_finding(
        ana, url, finding, "Agree to publish (research partner)", "Cleared for publication"
    )
    assert "unless the SEA clears it earlier" in ana.locator("[data-testid=blockers]").inner_text()

    _post_on_finding(maya, url, finding, "Clear for the SEA", "Cleared for publication")
    assert_accessible(maya)
    _post_on_finding(maya, url, finding, "Publish on the portal", "Published on the portal")

    visitor = desks(None)
    visitor.goto(f"{url}/findings/")
    assert_accessible(visitor)
    visitor.click("a:has-text('Chronic absence in grade 7 is spread across districts')")
    visitor.wait_for_url(f"**/findings/{finding}/")
    assert_accessible(visitor)
    with visitor.expect_download() as download_info:
        visitor.click("[data-testid=table-download]")
    text = Path(download_info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["district"] for row in rows} >= {"Northern Lakes", "Harbor City"}
    assert "Birch Lake" not in text
    counts = [row["n"] for row in rows]
    assert all(not c.isdigit() or int(c) >= MINIMUM_CELL for c in counts), counts
