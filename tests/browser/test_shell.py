"""The UI shell in a real browser: sign-in with TOTP, role-aware navigation, API tokens.

axe-core checks every page these tests land on: `checked` runs it and remembers which pages
the browser loaded since; a page loaded and left (or still open at the end) unchecked fails
the test.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.browser


class EveryPageChecked:
    def __init__(self, page, assert_accessible) -> None:
        self._assert_accessible = assert_accessible
        self.unchecked: list[str] = []
        self._pending: str | None = None
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame != frame.page.main_frame or frame.url == "about:blank":
            return
        if self._pending is not None:
            self.unchecked.append(self._pending)
        self._pending = frame.url

    def __call__(self, page) -> None:
        self._assert_accessible(page)
        self._pending = None

    def assert_all_checked(self) -> None:
        left = [*self.unchecked, *([self._pending] if self._pending else [])]
        assert left == [], f"pages visited without an axe-core check: {left}"


@pytest.fixture
def checked(page, assert_accessible):
    every = EveryPageChecked(page, assert_accessible)
    yield every
    every.assert_all_checked()


def _nav(page) -> list[str]:
    return [text.strip() for text in page.locator("nav.usa-nav a").all_inner_texts()]


def _api_me(url: str, token: str) -> int:
    request = urllib.request.Request(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_public_pages_are_accessible(page, live_steward, checked):
    page.goto(live_steward.url + "/")
    assert page.locator("h1").inner_text() == "Lakeland Research Partnerships"
    checked(page)
    page.goto(live_steward.url + "/accounts/login/")
    checked(page)


def test_privacy_officer_signs_in_with_totp_and_sees_the_audit_log(
    page, live_steward, sign_in, checked
):
    sign_in(page, "priya", mfa=True, check=checked)  # login, code and home pages
    assert "Audit log" in _nav(page)

    page.click("text=Audit log")
    page.wait_for_url("**/audit/")
    assert page.locator("table tbody tr").count() > 0
    checked(page)

    page.click("text=Verify the chain")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("[data-testid=job-status]:has-text('Succeeded')", timeout=30_000)
    assert "entries verify" in page.locator(".steward-log").inner_text()
    checked(page)


def test_researcher_sees_no_audit_log_and_manages_api_tokens(page, live_steward, sign_in, checked):
    sign_in(page, "ana", mfa=False, check=checked)
    navigation = _nav(page)
    assert "Audit log" not in navigation
    assert "API tokens" in navigation

    page.click("nav >> text=API tokens")
    page.wait_for_url("**/profile/tokens/")
    checked(page)
    page.fill("input[name=name]", "analysis laptop")
    page.click("text=Create token")
    token = page.locator("[data-testid=new-token]").inner_text().strip()
    assert token.startswith("stw_")
    assert _api_me(live_steward.url, token) == 200
    checked(page)

    page.click("button:has-text('Revoke')")
    assert page.locator("[data-testid=token-state]").first.inner_text() == "revoked"
    assert _api_me(live_steward.url, token) == 401
    checked(page)

    response = page.goto(live_steward.url + "/audit/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "You do not have access to this page"
    checked(page)


def test_a_privileged_persona_can_sign_in_and_sees_their_role_navigation(
    page, live_steward, sign_in, checked
):
    sign_in(page, "alex", mfa=True, check=checked)
    navigation = _nav(page)
    assert "Administration" in navigation
    assert "Audit log" not in navigation
    page.click("nav >> text=Profile")
    assert "Administrator" in page.locator("main").inner_text()
    checked(page)
