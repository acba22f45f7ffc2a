"""Shared set-up for the data request tests: the loaded catalog, the committee's perspectives,
uploads in a folder of their own, and helpers that walk a request along its path."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def catalog(db):
    from steward.catalog.models import Dataset
    from steward.catalog.services import catalog_load

    if not Dataset.objects.exists():
        catalog_load(actor=None)


@pytest.fixture
def committee(catalog, people):
    from steward.access.demo import committee_seed

    committee_seed()
    return people


@pytest.fixture
def trained(committee):
    """Ana and Ben hold valid privacy training."""
    from steward.access.demo import training_seed

    training_seed(committee["ana"])
    training_seed(committee["ben"])
    return committee


@pytest.fixture
def draft(trained):
    """Dr. Ortiz's complete draft, Ben named as co-investigator."""
    from steward.access.demo import ORTIZ_TITLE, complete_request

    return complete_request(
        actor=trained["ana"], title=ORTIZ_TITLE, people=[(trained["ben"], "co_investigator")]
    )


@pytest.fixture
def in_committee(draft, people):
    from steward.access.demo import sign_all, to_signoff

    to_signoff(draft, author=people["ana"])
    sign_all(draft, decline={"birth_date": "Linkage is done by the Commission."})
    return draft
