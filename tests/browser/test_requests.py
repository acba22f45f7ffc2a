"""A data request's whole path in a real browser: Dr. Ortiz completes the privacy orientation and
submits; Maya screens; Daniel and Rosa sign off (Rosa declines one field); Samuel, Hannah and
Omar vote; Grace approves. Then a request the committee denies, whose report appears on the
public transparency pages."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "lakeland-demo-2026"
PRIVILEGED = {"maya", "daniel", "rosa", "grace", "samuel", "hannah", "omar"}


class Desks:
    """One signed-in browser context per persona, kept for the module (each signs in once)."""

    def __init__(self, chromium, live) -> None:
        self.chromium, self.live, self.pages = chromium, live, {}

    def __call__(self, persona: str):
        if persona not in self.pages:
            context = self.chromium.new_context(bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(20_000)
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


def _letter(tmp_path: Path) -> str:
    path = tmp_path / "irb-letter.pdf"
    path.write_bytes(b"%PDF-1.4\n% IRB approval letter\n")
    return str(path)


def _fill_request(page, title: str, letter: str, *, linkage: bool) -> None:
    today = date.today()
    text = {
        "project_summary": "Which chronically absent middle schoolers still enroll in college.",
        "purpose": "Answer the Board's high-priority agenda question.",
        "research_questions": "How many chronically absent students enroll in college?",
        "agenda_alignment": "The Board's question on chronic absence and college.",
        "irb_institution": "Lakeland State University",
        "irb_protocol": "LSU-2026-0142",
        "irb_project_title": title,
        "publication_plan": "Public report and brief after the agency's 30-day review.",
        "timeline": "Data in month 2; report in month 18.",
        "irb_approved_on": (today - timedelta(days=20)).isoformat(),
        "irb_expires_on": (today + timedelta(days=340)).isoformat(),
        "starts_on": (today + timedelta(days=30)).isoformat(),
        "ends_on": (today + timedelta(days=700)).isoformat(),
    }
    for name, value in text.items():
        page.fill(f"[name={name}]", value)
    page.select_option("[name=ferpa_exception]", "studies")
    page.select_option("[name=irb_status]", "approved")
    page.select_option("[name=security_plan]", "workspace")
    if linkage:
        page.click("label[for=id_linkage_needed]")
        page.fill("[name=linkage_description]", "College enrollment is held by the Commission.")
    page.set_input_files("[name=irb_letter_upload]", letter)
    page.click("button:has-text('Save draft')")
    page.wait_for_selector(".usa-alert:has-text('Draft saved')")


def _add_element(page, option_text: str, first: int, last: int) -> None:
    option = page.locator("select[name=element] option", has_text=option_text).first
    page.select_option("select[name=element]", option.get_attribute("value"))
    page.fill("[name=first_year]", str(first))
    page.fill("[name=last_year]", str(last))
    page.fill("[name=grades]", "6-8")
    page.fill("[name=cohorts]", "2016-2019")
    page.fill("[name=justification]", "Answers the first research question.")
    page.click("button:has-text('Add the element')")
    page.wait_for_selector(".usa-alert:has-text('added')")


def _draft(page, url: str, title: str, letter: str, elements, *, linkage: bool) -> int:
    page.goto(f"{url}/requests/new/")
    page.fill("[name=project_title]", title)
    page.click("button:has-text('Start the draft')")
    page.wait_for_url("**/edit/")
    pk = int(page.url.rstrip("/").split("/")[-2])
    _fill_request(page, title, letter, linkage=linkage)
    for option_text, first, last in elements:
        _add_element(page, option_text, first, last)
    page.click("button:has-text('Submit the request')")
    page.wait_for_url(f"**/requests/{pk}/")
    return pk


def _status(page) -> str:
    return page.locator("[data-testid=request-status]").first.text_content().strip()


def _screen(page, url: str, pk: int) -> None:
    page.goto(f"{url}/requests/{pk}/screen/")
    page.click("button:has-text('Start screening')")
    page.wait_for_selector("[data-testid=screening-form]")
    for label in page.locator("[data-testid=screening-form] .usa-checkbox__label").all():
        label.click()
    page.select_option("[name=decision]", "pass")
    page.click("button:has-text('Record the screening')")
    page.wait_for_url(f"**/requests/{pk}/")


def _sign_off(page, url: str, pk: int, decline: str = "") -> None:
    page.goto(f"{url}/requests/{pk}/signoff/")
    for select in page.locator("[data-testid=signoff-form] select[name^=decision_]").all():
        label = page.locator(f"label[for={select.get_attribute('id')}]").inner_text()
        if decline and decline in label:
            select.select_option("decline")
            item = select.get_attribute("name").removeprefix("decision_")
            page.fill(f"[name=reason_{item}]", "Date of birth serves only our own linkage.")
        else:
            select.select_option("approve")
    page.click("button:has-text('Record the sign-off')")
    page.wait_for_url(f"**/requests/{pk}/")


def _vote(page, url: str, pk: int, choice: str) -> None:
    page.goto(f"{url}/requests/{pk}/review/")
    page.select_option("[name=has_conflict]", "no")
    page.click("button:has-text('Declare')")
    page.wait_for_selector("[data-testid=review-form]")
    for select in page.locator("[data-testid=review-form] select[name^=score_]").all():
        select.select_option("4")
    page.select_option("[name=vote]", choice)
    page.fill("[name=rationale]", "Weighed against each criterion.")
    page.click("button:has-text('Record my vote')")
    page.wait_for_url(f"**/requests/{pk}/")


def test_a_request_goes_from_submission_to_approval(
    desks, live_steward, tmp_path, assert_accessible
):
    url = live_steward.url
    # The demo's Dr. Ortiz took the orientation already; Dr. Park, new here, takes it now.
    lena = desks("lena")
    lena.goto(f"{url}/training/")
    assert lena.locator("[data-testid=training-missing]").count() == 1
    assert_accessible(lena)
    for name, answer in (
        ("q_minimum", "minimum"),
        ("q_small_cells", "check"),
        ("q_incident", "report"),
        ("q_reuse", "project"),
    ):
        lena.select_option(f"[name={name}]", answer)
    lena.click("label[for=id_attested]")
    lena.click("button:has-text('Complete the orientation')")
    lena.wait_for_selector("[data-testid=training-valid]")

    ana = desks("ana")
    ana.goto(f"{url}/training/")
    assert ana.locator("[data-testid=training-valid]").count() == 1

    elements = [
        ("Attendance · Days absent", 2016, 2021),
        ("College enrollment by term · Sector", 2019, 2024),
        ("College enrollment by term · Date of birth", 2019, 2024),
    ]
    title = "Chronic absence in middle school and college enrollment"
    pk = _draft(ana, url, title, _letter(tmp_path), elements, linkage=True)
    assert _status(ana) == "Submitted"
    assert_accessible(ana)

    maya = desks("maya")
    maya.goto(f"{url}/requests/waiting/")
    assert "Screen for completeness" in maya.locator("[data-testid=waiting-list]").inner_text()
    _screen(maya, url, pk)
    assert _status(maya) == "Agency sign-off"

    _sign_off(desks("daniel"), url, pk)
    rosa = desks("rosa")
    _sign_off(rosa, url, pk, decline="Date of birth")
    assert _status(rosa) == "Committee review"
    assert "Declined by the agency" in rosa.locator("[data-testid=elements]").inner_text()

    for member in ("samuel", "hannah", "omar"):
        _vote(desks(member), url, pk, "approve")

    grace = desks("grace")
    grace.goto(f"{url}/requests/{pk}/decide/")
    assert "3 votes" in grace.locator("[data-testid=tally]").inner_text()
    assert "Privacy-risk summary" in grace.locator("[data-testid=risk-summary]").inner_text()
    assert_accessible(grace)
    grace.select_option("[name=outcome]", "approved")
    grace.fill("[name=rationale]", "Aligned with a high-priority agenda question.")
    grace.fill("[name=conditions]", "Publish only cells of 10 students or more.")
    grace.click("button:has-text('Record the decision')")
    grace.wait_for_url(f"**/requests/{pk}/")
    assert _status(grace) == "Approved"
    # Each element's row ends with its Granted cell: Yes, or No for what was not granted.
    granted, not_granted = [], []
    for row in grace.locator("[data-testid=elements] tbody tr").all():
        element = row.locator("th").inner_text().split(" (")[0].strip()
        cells = row.locator("td")
        (granted if cells.last.inner_text().strip() == "Yes" else not_granted).append(element)
        if element == "Date of birth":
            assert "Declined by the agency" in cells.nth(cells.count() - 2).inner_text()
    assert sorted(granted) == ["Days absent", "Sector"]
    assert not_granted == ["Date of birth"]
    assert_accessible(grace)

    public = desks.chromium.new_context(bypass_csp=True).new_page()
    public.goto(f"{url}/transparency/")
    assert title in public.locator("[data-testid=approved-projects]").inner_text()
    assert_accessible(public)
    public.context.close()


def test_a_denied_request_with_irb_approval_gets_a_public_denial_report(
    desks, live_steward, tmp_path, assert_accessible
):
    url = live_steward.url
    ana = desks("ana")
    title = "Absence records for every district, all years"
    pk = _draft(
        ana,
        url,
        title,
        _letter(tmp_path),
        [("Attendance · Days absent", 2015, 2024)],
        linkage=False,
    )

    _screen(desks("maya"), url, pk)
    _sign_off(desks("daniel"), url, pk)
    for member in ("samuel", "hannah", "omar"):
        _vote(desks(member), url, pk, "deny")

    grace = desks("grace")
    grace.goto(f"{url}/requests/{pk}/decide/")
    grace.select_option("[name=outcome]", "denied")
    grace.fill("[name=rationale]", "Far more years and students than the question needs.")
    grace.click("label:has-text('More data than the study needs')")
    grace.click("button:has-text('Record the decision')")
    grace.wait_for_url(f"**/requests/{pk}/")
    assert _status(grace) == "Denied"

    public = desks.chromium.new_context(bypass_csp=True).new_page()
    public.goto(f"{url}/transparency/denials/")
    reports = public.locator("[data-testid=denial-reports]").inner_text()
    assert title in reports
    assert "More data than the study needs" in reports
    assert "Ortiz" not in reports
    assert_accessible(public)
    public.click(f"text={title}")
    assert "Lakeland State University" in public.locator("[data-testid=denial-report]").inner_text()
    public.context.close()
