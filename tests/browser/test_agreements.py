"""An agreement in a real browser: Maya drafts it from an approved request and completes the
FERPA checklist; Grace signs for the Department and Dr. Ortiz for her center; Dr. Ortiz accepts
and the agreement is active. Then Dr. Ortiz proposes an amendment adding an element, Maya
approves it, both parties sign it again, and it governs."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "lakeland-demo-2026"
PRIVILEGED = {"maya", "grace"}
# The demo's approved request that waits for its agreement; before the agreements' demo seed
# exists, Dr. Ortiz's own approved request.
CANDIDATES = (
    "Absence and college enrollment in rural districts",
    "Chronic absence in middle school and college enrollment",
)


class Desks:
    """One signed-in browser context per persona, kept for the module."""

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
                # A code already used in this 30-second window is refused; wait for the next.
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


def _approved_without_agreement(page, url: str) -> int:
    page.goto(f"{url}/requests/")
    for title in CANDIDATES:
        row = page.locator("tr", has_text=title).first
        if row.count() == 0:
            continue
        href = row.locator("a").first.get_attribute("href")
        pk = int(re.search(r"/requests/(\d+)/", href).group(1))
        page.goto(f"{url}/requests/{pk}/agreement/")
        if page.locator("[data-testid=draft-form]").count():
            return pk
    raise AssertionError("no approved request waits for its agreement in the demo")


def _status(page) -> str:
    return page.locator("[data-testid=agreement-status]").first.text_content().strip()


def _sign(page, url: str, agreement: str, number: int, name: str) -> None:
    page.goto(agreement)
    page.click(f"a:has-text('Sign version {number}')")
    page.wait_for_selector("[data-testid=sign-form]")
    page.fill("[name=typed_name]", name)
    page.click("label[for=id_attest]")
    page.click("button:has-text('Sign the agreement')")
    page.wait_for_url(agreement)


def test_an_agreement_is_drafted_signed_accepted_and_amended(
    desks, live_steward, assert_accessible
):
    url = live_steward.url

    maya = desks("maya")
    pk = _approved_without_agreement(maya, url)
    maya.select_option(
        "[name=project]", label="Chronic absence in middle school and the road to college"
    )
    maya.click("button:has-text('Draft the agreement')")
    maya.wait_for_url("**/agreements/*/edit/")
    agreement = maya.url.removesuffix("edit/")
    assert "Send for signature" not in maya.content()  # the FERPA checklist is not confirmed
    for box in maya.locator("[data-testid=terms-form] input[name^=ferpa_]").all():
        maya.click(f"label[for={box.get_attribute('id')}]")
    maya.click("button:has-text('Save the terms')")
    maya.wait_for_selector(".usa-alert:has-text('Terms saved')")
    assert_accessible(maya)
    maya.click("button:has-text('Send for signature')")
    maya.wait_for_url(agreement)
    assert _status(maya) == "Out for signature"

    grace, ana = desks("grace"), desks("ana")
    _sign(grace, url, agreement, 1, "Grace Liu")
    _sign(ana, url, agreement, 1, "Dr. Ana Ortiz")
    assert _status(ana) == "Active"

    ana.click("a:has-text('Accept the agreement')")
    ana.wait_for_selector("[data-testid=accept-form]")
    ana.fill("[name=typed_name]", "Dr. Ana Ortiz")
    ana.click("label[for=id_attest]")
    ana.click("button:has-text('Accept the agreement')")
    ana.wait_for_url(agreement)
    row = ana.locator("[data-testid=people] tr", has_text="Ana Ortiz")
    assert "Not yet" not in row.inner_text()
    assert _status(ana) == "Active"
    assert_accessible(ana)

    # The amendment: the term of each college enrollment (classification level 2).
    ana.click("a:has-text('Propose an amendment')")
    ana.fill("[name=reason]", "Whether students enrolled in fall or spring matters to persistence.")
    option = ana.locator(
        "select[name=element] option", has_text="postsecondary/enrollment.term,"
    ).first
    ana.select_option("select[name=element]", option.get_attribute("value"))
    ana.fill("[name=first_year]", "2019")
    ana.fill("[name=last_year]", "2024")
    ana.click("button:has-text('Propose the amendment')")
    ana.wait_for_url(agreement)
    assert "Term" in ana.locator("[data-testid=grant-added]").first.inner_text()

    maya.goto(agreement)
    maya.click("a:has-text('Approve or decline amendment 2')")
    maya.select_option("[name=decision]", "approve")
    assert_accessible(maya)
    maya.click("button:has-text('Record the decision')")
    maya.wait_for_url(agreement)

    _sign(grace, url, agreement, 2, "Grace Liu")
    _sign(ana, url, agreement, 2, "Dr. Ana Ortiz")
    assert _status(ana) == "Active"
    assert "Version 2 in force" in ana.content()
    assert "postsecondary/enrollment.term" in ana.locator("[data-testid=grants]").first.inner_text()
    assert pk
