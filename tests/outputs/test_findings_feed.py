"""The portal's Atom feed carries published findings beside new projects, newest first; a
finding that is not published never appears in it."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from steward.outputs.models import Finding

from .matrix_review import _story

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client) -> list[dict[str, str]]:
    response = client.get(reverse("portal:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own feed)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "published": entry.findtext(f"{ATOM}published"),
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


def test_a_published_finding_is_in_the_feed_with_its_summary_link_and_date(client, people):
    finding = _story({"people": people}, "published")
    entries = _entries(client)
    mine = [e for e in entries if e["title"] == f"Finding: {finding.title}"]
    assert len(mine) == 1
    assert mine[0]["summary"] == "Plain words."
    assert mine[0]["link"].endswith(reverse("outputs:finding", args=[finding.pk]))
    assert mine[0]["published"].startswith(finding.published_at.date().isoformat())
    # Newest first: the finding was published after its project was created.
    project_entry = next(e for e in entries if e["title"] == finding.project.title)
    assert entries.index(mine[0]) < entries.index(project_entry)


@pytest.mark.parametrize("stage", ["draft", "in_review_finding", "cleared"])
def test_a_finding_that_is_not_published_is_not_in_the_feed(client, people, stage):
    finding = _story({"people": people}, stage)
    assert finding.status != Finding.Status.PUBLISHED
    body = client.get(reverse("portal:feed")).content.decode()
    assert finding.title not in body
    assert reverse("outputs:finding", args=[finding.pk]) not in body


def test_projects_and_findings_are_merged_newest_first(client, people):
    older = _story({"people": people}, "published")
    newer = _story({"people": people}, "published")
    Finding.objects.filter(pk=older.pk).update(
        title="An older finding", published_at=older.published_at - timedelta(days=9)
    )
    entries = _entries(client)
    published = [e["published"] for e in entries]
    assert published == sorted(published, reverse=True)
    titles = [e["title"] for e in entries]
    assert titles.index(f"Finding: {newer.title}") < titles.index("Finding: An older finding")
