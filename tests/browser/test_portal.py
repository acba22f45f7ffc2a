"""The public portal and the research office's pages in a real browser.

Maya (research office, TOTP) sets up the story through the staff pages: an agenda question,
an alliance, and two active projects of Dr. Ortiz's. Then: an anonymous visitor walks from the
agenda to a plan; Dr. Ortiz (no MFA) registers plans, and an edit of a registered plan becomes a
new version; a comment waits for Maya's approval; axe-core checks every public page.
"""

from __future__ import annotations

import urllib.request

import pytest

pytestmark = pytest.mark.browser

QUESTION = "Which chronically absent middle schoolers still enroll in college?"
ALLIANCE = "Browser Test Research Alliance"
FIRST = "Attendance and the road to college (browser test)"
SECOND = "Absence, programs and persistence (browser test)"
PLAN = {
    "questions": "1. What share of chronically absent students enroll in college?",
    "data": "Attendance, grades 6-8, 2016-2019 cohorts; college enrollment.",
    "methods": "Descriptive rates by cohort.",
    "outcomes": "Enrollment within two years of expected graduation.",
}


def _sign_in(page, live, persona: str, *, mfa: bool) -> None:
    page.goto(f"{live.url}/accounts/login/")
    page.fill("input[name=login]", f"{persona}@demo.steward.test")
    page.fill("input[name=password]", "lakeland-demo-2026")
    page.click("form.usa-form button[type=submit]")
    if mfa:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("input[name=code]", live.totp_code(persona))
        page.click("form.usa-form button[type=submit]")
    page.wait_for_url(f"{live.url}/")


def _submit(page, label: str) -> None:
    page.click(f"main button[type=submit]:has-text('{label}')")
    page.wait_for_load_state()


def _open_project(page, live, title: str) -> None:
    page.goto(f"{live.url}/workspace/projects/new/")
    page.select_option("#id_partnership", label=ALLIANCE)
    page.fill("#id_title", title)
    page.fill("#id_summary", "Who still enrolls in college after missing many school days.")
    page.click(f"label:has-text('{QUESTION}')")
    page.select_option("#id_pi", label="Dr. Ana Ortiz")
    page.select_option("#id_liaison", label="Maya Chen")
    page.fill("#id_starts_on", "2026-01-15")
    _submit(page, "Save")
    page.wait_for_url("**/workspace/projects/*/")
    page.select_option("#project-next-status", "active")
    _submit(page, "Change status")
    assert page.locator("[data-testid=project-status]").inner_text() == "Active"


def _register_plan(page, live, title: str, plan: dict[str, str]) -> None:
    page.goto(f"{live.url}/workspace/projects/")
    page.click(f"text={title}")
    page.click("text=Register the plan")
    for name, text in plan.items():
        page.fill(f"#id_{name}", text)
    _submit(page, "Register")
    assert "Version 1 of the plan is registered" in page.locator(".usa-alert").first.inner_text()


@pytest.fixture(scope="module")
def story(chromium, live_steward):
    """Maya's signed-in page, after she made the question, the alliance and two projects, and
    Dr. Ortiz registered the first project's plan."""
    live = live_steward
    context = chromium.new_context(bypass_csp=True)
    maya = context.new_page()
    maya.set_default_timeout(15_000)
    _sign_in(maya, live, "maya", mfa=True)

    maya.goto(f"{live.url}/workspace/agenda/new/")
    maya.fill("#id_title", QUESTION)
    maya.fill("#id_description", "Some students miss many days yet go on to college. Who?")
    maya.fill("#id_policy_area", "Attendance and college access")
    maya.select_option("#id_priority", "1")
    maya.select_option("#id_source", "legislature")
    _submit(maya, "Save")

    maya.goto(f"{live.url}/workspace/partnerships/new/")
    maya.fill("#id_name", ALLIANCE)
    maya.select_option("#id_kind", "alliance")
    for field, text in {
        "summary": "A standing research alliance.",
        "proposes_questions": "The Department, from its agenda.",
        "decides_publication": "The researchers; the Department checks for disclosure.",
        "interprets_findings": "The researchers, independently.",
        "disseminates": "Both parties.",
        "independence": "Full independence over methods and interpretation.",
    }.items():
        maya.fill(f"#id_{field}", text)
    maya.fill("#id_review_period_days", "30")
    maya.fill("#id_starts_on", "2025-07-01")
    _submit(maya, "Save")
    maya.select_option(
        "#id_party-organization", label="Lakeland State University, Center for Education Policy"
    )
    maya.fill("#id_party-role", "Research partner")
    _submit(maya, "Add the party")
    assert "Research partner" in maya.locator("[data-testid=parties]").inner_text()

    _open_project(maya, live, FIRST)
    _open_project(maya, live, SECOND)

    ana_context = chromium.new_context(bypass_csp=True)
    ana = ana_context.new_page()
    _sign_in(ana, live, "ana", mfa=False)
    _register_plan(ana, live, FIRST, PLAN)
    ana_context.close()
    yield maya
    context.close()


def test_an_anonymous_visitor_goes_from_the_agenda_to_a_project_to_its_plan(
    story, page, live_steward
):
    page.goto(live_steward.url + "/")
    page.click(f"[data-testid=agenda] >> text={QUESTION}")
    assert page.locator("h1").inner_text() == QUESTION
    page.click(f"main >> text={FIRST}")
    assert page.locator("h1").inner_text() == FIRST
    assert "Lakeland State University, Center for Education Policy" in page.inner_text("main")
    page.click("[data-testid=plans] >> text=Version 1")
    assert page.locator("h1").inner_text() == "Pre-analysis plan, version 1"
    assert PLAN["questions"] in page.locator("[data-testid=plan-questions]").inner_text()
    assert "cannot be changed" in page.locator("[data-testid=plan-registered]").inner_text()


def test_a_pi_registers_a_plan_and_it_appears_on_the_portal(story, page, live_steward):
    _sign_in(page, live_steward, "ana", mfa=False)
    _register_plan(page, live_steward, SECOND, {**PLAN, "methods": "Logistic regression."})
    page.click("nav >> text=Sign out")
    page.goto(live_steward.url + "/projects/")
    page.click(f"text={SECOND}")
    page.click("[data-testid=plans] >> text=Version 1")
    assert "Logistic regression." in page.inner_text("main")


def test_editing_a_registered_plan_is_refused_and_makes_a_new_version(story, page, live_steward):
    _sign_in(page, live_steward, "ana", mfa=False)
    page.goto(live_steward.url + "/workspace/projects/")
    page.click(f"text={FIRST}")
    page.click("[data-testid=workspace-plans] >> text=Edit")
    refusal = page.locator("[data-testid=plan-edit-refused]").inner_text()
    assert "never changed" in refusal and "version 2" in refusal
    page.fill(
        "#id_methods", "Descriptive rates by cohort.\nLogistic regression with school effects."
    )
    page.fill("#id_change_note", "Added a model with school effects.")
    _submit(page, "Register version 2")
    assert "Version 2 of the plan is registered" in page.locator(".usa-alert").first.inner_text()

    page.goto(live_steward.url + "/projects/")
    page.click(f"text={FIRST}")
    page.click("[data-testid=plans] >> text=Version 2")
    diff = page.locator("[data-testid=diff-methods]").inner_text()
    assert "Logistic regression with school effects." in diff
    page.click("main a:text-is('Version 1')")
    assert "school effects" not in page.inner_text("main")


def test_a_comment_appears_only_after_a_moderator_approves_it(story, page, live_steward):
    body = "Will the results be shared with middle school principals?"
    page.goto(live_steward.url + "/projects/")
    page.click(f"text={FIRST}")
    project_url = page.url
    page.fill("#id_body", body)
    _submit(page, "Send for moderation")
    assert "will appear once the research office has read it" in page.inner_text("main")
    assert body not in page.inner_text("main")

    maya = story
    maya.goto(live_steward.url + "/workspace/comments/")
    maya.locator("tr", has_text=body).locator("button:has-text('Approve')").click()
    maya.wait_for_load_state()
    assert "approved" in maya.locator(".usa-alert").first.inner_text()

    page.goto(project_url)
    assert body in page.locator("[data-testid=comments]").inner_text()


def test_every_public_page_is_accessible(story, page, live_steward, assert_accessible):
    url = live_steward.url
    page.goto(url + "/projects/")
    page.click(f"text={FIRST}")
    page.locator("[data-testid=plans]").wait_for()  # the project's page has loaded
    project_path = page.url.removeprefix(url)
    plans = page.locator("[data-testid=plans] a")
    plan_paths = [plans.nth(i).get_attribute("href") for i in range(plans.count())]
    assert plan_paths
    pages = [
        "/",
        "/agenda/",
        "/projects/",
        project_path,
        *plan_paths,
        "/research-use/",
        "/search/?q=absent",
        "/privacy/",
    ]
    page.goto(url + "/agenda/")
    page.click(f"[data-testid=agenda] >> text={QUESTION}")
    pages.append(page.url.removeprefix(url))
    page.goto(url + project_path)
    page.click("main dd >> a")
    pages.append(page.url.removeprefix(url))
    for path in pages:
        response = page.goto(url + path)
        assert response.status == 200, path
        assert_accessible(page)
    with urllib.request.urlopen(url + "/feed/", timeout=5) as feed:
        assert feed.headers["Content-Type"].startswith("application/atom+xml")
        assert FIRST in feed.read().decode()
