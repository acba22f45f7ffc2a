"""Shared set-up for the catalog tests: a data folder and key file of their own, the loaded
catalog, and a tiny synthetic state."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    """Each test gets an empty data folder and key file (kept apart, as in production)."""
    settings.DATA_DIR = tmp_path / "var"
    settings.KEY_FILE = tmp_path / "keys" / "keys.json"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def catalog(db, data_dir):
    """The checked-in catalog, loaded."""
    from steward.catalog.services import catalog_load

    return catalog_load(actor=None)


@pytest.fixture(scope="session")
def tiny_state(tmp_path_factory) -> Path:
    """The synthetic state of Lakeland with about 200 students over two school years."""
    from steward.dataplane.synth import generate

    out = tmp_path_factory.mktemp("synth")
    generate(out, students=200, years=(2019, 2020), seed=7)
    return out
