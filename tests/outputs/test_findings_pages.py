"""Findings on the portal: the demo's story seeds a published finding whose page works without
script, whose table downloads protected, whose PDF opens, and whose question shows as answered
in part; a district's form link adds its use to the public log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steward.outputs.findings_services import finding_use_report, use_invitation_create
from steward.outputs.models import Finding

from .matrix_review import _story

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(people):
    return _story({"people": people}, "published")


def test_a_published_finding_page_shows_its_brief_table_and_links(client, finding):
    page = client.get(reverse("outputs:finding", args=[finding.pk]))
    html = page.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert page.status_code == 200 and "<script" not in main  # it works without script
    assert "Plain words." in html and "For practice." in html and "Limits." in html
    release = finding.outputs.get().release
    assert reverse("outputs:finding_table", args=[finding.pk, release.pk]) in html


def test_a_visitor_downloads_the_released_table_exactly_as_released(client, finding):
    release = finding.outputs.get().release
    download = client.get(reverse("outputs:finding_table", args=[finding.pk, release.pk]))
    lines = download.content.decode().splitlines()
    assert lines[0] == ",".join(release.published["columns"])
    assert len(lines) - 1 == len(release.published["rows"])


def test_the_pdf_of_a_finding_is_a_pdf(client, finding):
    pdf = client.get(reverse("outputs:finding_pdf", args=[finding.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_question_a_finding_answers_shows_it_as_answered(client, finding):
    answer = finding.answers.get()
    answer.question.refresh_from_db()
    assert answer.question.status == "answered"
    page = client.get(reverse("portal:question", args=[answer.question.pk])).content.decode()
    assert finding.title in page and "answered" in page


def test_an_unpublished_finding_is_not_found_by_the_public(client, people):
    draft = _story({"people": people}, "draft")
    assert client.get(reverse("outputs:finding", args=[draft.pk])).status_code == 404


def test_a_districts_form_link_adds_its_use_to_the_finding_and_the_log(client, people, finding):
    invitation = use_invitation_create(
        actor=people["maya"], finding=finding, district_name="Lakeshore Schools"
    )
    response = client.post(
        reverse("outputs:use_report", args=[invitation.token]),
        {
            "kind": "district",
            "description": "Redesigned attendance outreach.",
            "used_on": "2026-09-01",
            "source": "Board minutes",
        },
    )
    assert response.status_code == 303
    page = client.get(reverse("outputs:finding", args=[finding.pk])).content.decode()
    assert "Lakeshore Schools" in page and "Redesigned attendance outreach." in page
    log = client.get(reverse("portal:research_use")).content.decode()
    assert "Lakeshore Schools" in log and finding.title in log


def test_a_use_dated_in_the_future_is_refused(people, finding):
    from datetime import date

    from django.core.exceptions import ValidationError

    invitation = use_invitation_create(actor=people["maya"], finding=finding, district_name="X")
    with pytest.raises(ValidationError):
        finding_use_report(
            actor=None,
            invitation=invitation,
            kind="district",
            description="d",
            used_on=date(2999, 1, 1),
            source="",
        )


def test_the_findings_list_takes_the_same_queries_for_one_or_many(
    client, people, finding, settings
):
    settings.PAGE_CACHE = False  # what rendering the list costs

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("outputs:findings")).status_code == 200
        return len(queries)

    one = count()
    for _ in range(3):
        _story({"people": people}, "published")
    assert Finding.objects.filter(status="published").count() == 4
    assert count() == one


def test_the_demo_seed_publishes_a_finding_once(people):
    from steward.agenda.demo import agenda_seed
    from steward.outputs.findings_demo import findings_seed

    agenda_seed()
    finding = findings_seed()
    assert finding.is_published and finding.outputs.get().release is not None
    stopped = finding.outputs.get().previous
    assert stopped.status == "checks_failed" and stopped.n_unsafe == 1
    assert finding.research_uses.filter(used_by="Harbor City Public Schools").exists()
    assert finding.surveys.get().district_name == "Harbor City Public Schools"
    assert findings_seed() is None


def test_a_project_page_lists_its_finding_once_published_and_a_draft_not_at_all(client, people):
    draft = _story({"people": people}, "draft")
    page = client.get(reverse("portal:project", args=[draft.project_id])).content.decode()
    assert draft.title not in page and "No findings have been published yet" in page
    published = _story({"people": people}, "published")
    page = client.get(reverse("portal:project", args=[published.project_id])).content.decode()
    assert reverse("outputs:finding", args=[published.pk]) in page
