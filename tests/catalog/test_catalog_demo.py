from __future__ import annotations

import io

import pytest

from steward.catalog import demo
from steward.catalog.models import DatasetVersion

pytestmark = pytest.mark.django_db


def test_the_demo_ingests_a_small_state_once_with_one_refused_resubmission(
    data_dir, people, monkeypatch
):
    monkeypatch.setattr(demo, "DEMO_STUDENTS", 200)
    monkeypatch.setattr(demo, "DEMO_YEARS", (2019, 2020))
    out = io.StringIO()

    demo.demo_data_ensure(stdout=out)
    first = DatasetVersion.objects.count()
    demo.demo_data_ensure(stdout=out)

    assert DatasetVersion.objects.count() == first
    refused = DatasetVersion.objects.get(status=DatasetVersion.Status.REFUSED)
    assert (refused.dataset.code, refused.year) == ("attendance", 2020)
    assert refused.problems[0]["rule"] == "range"
    assert DatasetVersion.objects.filter(status="accepted").count() == first - 1
    assert "not ingested again" in out.getvalue()
    assert not list((data_dir / "incoming").iterdir())
