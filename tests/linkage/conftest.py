"""Shared set-up for the linkage app's tests: a data folder of their own, the loaded catalog,
and a small synthetic state whose SEA, postsecondary and workforce files are ingested by their
own data stewards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

LINKED_DATASETS = {("sea", "districts"), ("sea", "schools"), ("sea", "enrollment")}
LINKED_DATASETS |= {("postsecondary", "enrollment"), ("workforce", "wages")}
STEWARD_OF = {"sea": "daniel", "postsecondary": "rosa", "workforce": "victor"}


@pytest.fixture(scope="session")
def small_state(tmp_path_factory) -> Path:
    """Lakeland with about 1,100 students over 2015-2019: enough for Splink to train."""
    from steward.dataplane.synth import generate

    out = tmp_path_factory.mktemp("linkage-state")
    generate(out, students=800, years=(2015, 2019), seed=2024)
    return out


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "var"
    settings.KEY_FILE = tmp_path / "keys" / "keys.json"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def ingested(db, data_dir, people, small_state) -> Path:
    """The state's people files in the warehouse, each ingested by its agency's steward."""
    from steward.catalog.plan import ingest_plan
    from steward.catalog.services import catalog_load, dataset_ingest

    catalog_load(actor=None)
    for item in ingest_plan(small_state):
        if (item.agency, item.dataset) not in LINKED_DATASETS:
            continue
        version = dataset_ingest(
            actor=people[STEWARD_OF[item.agency]],
            agency=item.agency,
            dataset=item.dataset,
            year=item.year,
            path=item.path,
            received=date(item.year + 1, 6, 1),
        )
        assert version.accepted, version.report
    return small_state
