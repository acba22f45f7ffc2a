"""Dr. Ortiz's active agreement (the agreements tests' fixtures), Department data in a
throw-away warehouse, and extracts built from them through the services."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pyarrow as pa
import pytest

_spec = importlib.util.spec_from_file_location(
    "agreements_fixtures", Path(__file__).parent.parent / "agreements" / "conftest.py"
)
_agreements = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_agreements)

_mail_and_uploads = _agreements._mail_and_uploads
now = _agreements.now
today = _agreements.today
committee = _agreements.committee
trained = _agreements.trained
project = _agreements.project
approved = _agreements.approved
draft = _agreements.draft
out_for_signature = _agreements.out_for_signature
signed = _agreements.signed
active = _agreements.active

NAME_MARKER = "Quillonbrae"
YEARS = range(2016, 2022)


@pytest.fixture(autouse=True)
def _data_folder(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"
    settings.KEY_FILE = tmp_path / "keys" / "keys.json"
    settings.EXTRACT_RISK_MAX_SHARE = 1.0


@pytest.fixture
def sea_data(settings):
    """Six years of 40 Department students: enrollment and attendance."""
    from steward.catalog.services import warehouse

    store = warehouse()
    n = 40
    ids = [f"{1000000000 + i}" for i in range(n)]
    for year in YEARS:
        store.write_version(
            "sea",
            "enrollment",
            year,
            pa.table(
                {
                    "school_year": pa.array([year] * n, pa.int16()),
                    "student_id": ids,
                    "first_name": [f"{NAME_MARKER}{i}" for i in range(n)],
                    "birth_date": [dt.date(2005, 1 + i % 12, 1) for i in range(n)],
                    "economically_disadvantaged": [i % 3 == 0 for i in range(n)],
                    "grade": [f"{5 + (i + year - 2016) % 5:02d}" for i in range(n)],
                    "school_id": ["0001001"] * n,
                    "district_id": ["0001"] * n,
                }
            ),
        )
        store.write_version(
            "sea",
            "attendance",
            year,
            pa.table(
                {
                    "school_year": pa.array([year] * n, pa.int16()),
                    "student_id": ids,
                    "school_id": ["0001001"] * n,
                    "days_enrolled": pa.array([180] * n, pa.int16()),
                    "days_absent": pa.array([i % 40 for i in range(n)], pa.int16()),
                }
            ),
        )
    return store


@pytest.fixture
def agreement(active):
    """The active agreement with the Department's grants only (no crosswalk in these tests)."""
    version = active.versions.get(status="effective")
    version.grants.exclude(element__dataset__agency_code="sea").delete()
    return active


def build(agreement, people, formats=("parquet", "csv", "dta", "sav")):
    from steward.core.jobs import job_run
    from steward.extracts.services import extract_build

    extract = extract_build(actor=people["maya"], agreement=agreement, formats=formats)
    job = job_run(extract.job)
    assert job.status == "succeeded", job.error
    extract.refresh_from_db()
    return extract


@pytest.fixture
def ready(agreement, sea_data, people):
    return build(agreement, people)
