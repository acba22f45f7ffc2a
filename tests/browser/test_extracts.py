"""An extract in a real browser, on the demo: Dr. Ortiz opens the story's extract, gets a
download link and downloads her copy, then queries the workspace: a result by year is shown,
a result with small cells is withheld with the reason. Priya Raman then traces that copy, as
if it had leaked, back to Dr. Ortiz. axe-core checks the pages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

BY_YEAR = "SELECT school_year, count(*) AS n FROM sea_attendance GROUP BY 1 ORDER BY 1"
SMALL = "SELECT school_year, days_absent, count(*) AS n FROM sea_attendance GROUP BY 1, 2"


def _open_the_extract(page, live_steward) -> None:
    page.goto(f"{live_steward.url}/extracts/")
    page.locator("main a[href^='/extracts/']").filter(has_text="EX-").first.click()
    page.wait_for_selector("[data-testid=files]")


def test_a_researcher_downloads_her_copy_and_queries_the_workspace(
    page, chromium, live_steward, sign_in, assert_accessible
):
    sign_in(page, "ana", mfa=False)
    _open_the_extract(page, live_steward)
    assert "Ready for the named researchers" in page.locator("[data-testid=status]").inner_text()
    assert_accessible(page)

    row = page.locator("[data-testid=files] tr").filter(has_text="sea_attendance")
    row.locator("select").select_option("csv")
    with page.expect_download() as pending:
        row.get_by_role("button", name="Download").click()
    download = pending.value
    assert download.suggested_filename.endswith("sea_attendance.csv")
    assert "/extracts/download/" in download.url
    data = Path(download.path()).read_bytes()
    text = data.decode()
    header = next(csv.reader(io.StringIO(text)))
    assert header[:2] == ["person_id", "school_year"]
    assert "student_id" not in header and len(text.splitlines()) > 1

    page.reload()
    downloads = page.locator("[data-testid=downloads]").inner_text()
    assert "sea_attendance" in downloads and "Delivered" in downloads

    page.get_by_role("link", name="Open the workspace").click()
    page.fill("#sql", BY_YEAR)
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("[data-testid=outcome]")
    assert "Shown" in page.locator("[data-testid=outcome]").inner_text()
    result = page.locator("[data-testid=result] tbody tr")
    assert result.count() >= 1
    assert_accessible(page)

    page.fill("#sql", SMALL)
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("[data-testid=reasons]")
    assert "Withheld" in page.locator("[data-testid=outcome]").inner_text()
    assert page.locator("[data-testid=result]").count() == 0
    reasons = page.locator("[data-testid=reasons] li").all_inner_texts()
    assert reasons and all(reason.startswith("Row ") for reason in reasons)
    assert_accessible(page)

    # The same copy, found where it should not be: the privacy officer traces it.
    context = chromium.new_context(bypass_csp=True)
    try:
        officer = context.new_page()
        officer.set_default_timeout(15_000)
        sign_in(officer, "priya", mfa=True)
        _open_the_extract(officer, live_steward)
        officer.get_by_role("link", name="Trace a leaked file").click()
        assert_accessible(officer)
        officer.set_input_files(
            "#leaked", files=[{"name": "found.csv", "mimeType": "text/csv", "buffer": data}]
        )
        officer.get_by_role("button", name="Trace").click()
        officer.wait_for_selector("[data-testid=match]")
        assert "ana@demo.steward.test" in officer.locator("[data-testid=match]").inner_text()
        assert_accessible(officer)
    finally:
        context.close()
