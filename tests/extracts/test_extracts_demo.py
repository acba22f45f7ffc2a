"""The demo's extract: built from the story's agreement on a small synthetic state (linked to
the college commission), released by the privacy officer when the check asks her, ready for
Dr. Ortiz and Ben; seeding twice adds nothing."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from steward.extracts.demo import extracts_demo_seed, story_agreement
from steward.extracts.models import Extract

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(people, monkeypatch):
    from steward.access.demo import requests_seed
    from steward.agenda.demo import agenda_seed
    from steward.agreements.demo import agreements_seed
    from steward.catalog import demo as catalog_demo
    from steward.linkage.demo import linkage_demo_seed

    monkeypatch.setattr(catalog_demo, "DEMO_STUDENTS", 300)
    out = io.StringIO()
    agenda_seed()
    catalog_demo.demo_data_ensure(stdout=out)
    requests_seed()
    agreements_seed()
    linkage_demo_seed(stdout=out)
    return story_agreement()


def test_the_demo_builds_a_ready_extract_of_the_story_agreement_once(
    story, people, client_for, settings
):
    # A check that finds every class small, so that the privacy officer's decision is needed.
    settings.EXTRACT_RISK_K = 10**6
    settings.EXTRACT_RISK_MAX_SHARE = 0.05
    extract = extracts_demo_seed(stdout=io.StringIO())

    assert extract.agreement == story and extract.created_by == people["maya"]
    assert extract.status == Extract.Status.READY
    assert {f.agency for f in extract.files.all()} == {"sea", "postsecondary"}
    assert extract.rows > 0 and extract.risk_share > extract.risk_limit
    assert extract.decided_by == people["priya"] and extract.decision_note
    assert extracts_demo_seed(stdout=io.StringIO()) is None
    assert Extract.objects.count() == 1

    detail = reverse("extracts:detail", kwargs={"pk": extract.pk})
    for researcher in ("ana", "ben"):
        page = client_for(researcher).get(detail).content.decode()
        assert reverse("extracts:workspace", kwargs={"pk": extract.pk}) in page
        assert "Download</button>" in page
    privacy = client_for("priya").get(detail).content.decode()
    assert "Release check" in privacy and "Decided by" in privacy
    outsider = client_for("lena").get(detail)
    assert outsider.status_code in (403, 404)


def test_the_demo_builds_no_extract_before_the_agreement_exists(people):
    out = io.StringIO()
    assert extracts_demo_seed(stdout=out) is None
    assert "No agreement in force" in out.getvalue()
