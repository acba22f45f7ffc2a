"""Protecting a table in a real browser: Dr. Ortiz uploads a small table of counts and sees
the hidden cells, each with its reason, and the download link; axe-core checks the pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

TABLE = b"""school,grade,n
North Elementary,3,40
North Elementary,4,35
Lake Elementary,3,4
Lake Elementary,4,28
Pine Elementary,3,25
Pine Elementary,4,30
"""


def test_a_researcher_uploads_a_table_and_sees_the_hidden_cells_and_why(
    page, live_steward, sign_in, assert_accessible
):
    sign_in(page, "ana", mfa=False)
    page.goto(f"{live_steward.url}/workspace/protect/")
    assert_accessible(page)
    page.set_input_files(
        "#id_file", files=[{"name": "grade3-4.csv", "mimeType": "text/csv", "buffer": TABLE}]
    )
    page.fill("#id_dims", "school,grade")
    page.fill("#id_count", "n")
    page.click("main button[type=submit]:has-text('Protect the table')")
    page.wait_for_url("**/workspace/protect/*/")

    assert "Audit passed" in page.locator("[data-testid=audit-result]").inner_text()
    hidden = page.locator("[data-testid=protected-table] tr[data-suppressed=true]")
    assert hidden.count() >= 2
    small = hidden.filter(has_text="Lake Elementary").filter(has_text="fewer students")
    assert small.count() == 1
    assert "*" in small.inner_text()
    reasons = hidden.all_inner_texts()
    assert any("cannot be worked out from the totals" in text for text in reasons)
    assert page.get_by_role("link", name="Download the protected table (CSV)").is_visible()
    assert_accessible(page)


def test_the_public_rules_page_is_accessible(page, live_steward, assert_accessible):
    page.goto(f"{live_steward.url}/disclosure-rules/")
    assert page.locator("[data-testid=plain-rules]").count() == 3
    assert "fewer than 10 students" in page.locator("main").inner_text()
    assert_accessible(page)
