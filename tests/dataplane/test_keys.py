from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from steward.dataplane.keys import (
    KeyFileError,
    KeyNotFoundError,
    KeyService,
    LocalKeyFile,
    project_key_id,
    warehouse_key_id,
)


@pytest.fixture
def key_file(tmp_path: Path) -> LocalKeyFile:
    return LocalKeyFile(tmp_path / "secrets" / "keys.json")


def test_creating_a_key_makes_a_private_file_in_a_private_folder(key_file: LocalKeyFile) -> None:
    key_file.create_key("warehouse.sea.enrollment")

    assert stat.S_IMODE(key_file.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.path.parent.stat().st_mode) == 0o700


def test_keys_are_256_bit_and_stored_in_base64(key_file: LocalKeyFile) -> None:
    key = key_file.create_key("warehouse.sea.enrollment")

    stored = json.loads(key_file.path.read_text())["keys"]["warehouse.sea.enrollment"]["key"]
    assert len(key) == 32
    assert stored != key.hex()
    assert key_file.get_key("warehouse.sea.enrollment") == key


def test_creating_an_existing_key_returns_the_same_key(key_file: LocalKeyFile) -> None:
    first = key_file.create_key("pseudonym.p1")
    second = key_file.create_key("pseudonym.p1")

    assert first == second
    assert key_file.key_ids() == ["pseudonym.p1"]


def test_each_key_id_gets_its_own_random_key(key_file: LocalKeyFile) -> None:
    a = key_file.create_key(warehouse_key_id("sea", "enrollment"))
    b = key_file.create_key(warehouse_key_id("sea", "assessments"))

    assert a != b
    assert key_file.has_key("warehouse.sea.enrollment")
    assert not key_file.has_key("warehouse.sea.attendance")


def test_a_missing_file_is_reported_with_its_path(key_file: LocalKeyFile) -> None:
    with pytest.raises(KeyFileError, match="does not exist") as err:
        key_file.get_key("warehouse.sea.enrollment")

    assert str(key_file.path) in str(err.value)
    assert not key_file.has_key("warehouse.sea.enrollment")


def test_a_missing_key_is_reported_by_id(key_file: LocalKeyFile) -> None:
    key_file.create_key("pseudonym.p1")

    with pytest.raises(KeyNotFoundError, match=r"pseudonym\.p2"):
        key_file.get_key("pseudonym.p2")


def test_a_file_readable_by_others_is_refused(key_file: LocalKeyFile) -> None:
    key_file.create_key("pseudonym.p1")
    os.chmod(key_file.path, 0o644)

    with pytest.raises(KeyFileError, match="0644") as err:
        key_file.get_key("pseudonym.p1")

    assert "chmod 600" in str(err.value)


def test_a_corrupt_file_is_reported_without_its_contents(key_file: LocalKeyFile) -> None:
    key = key_file.create_key("pseudonym.p1")
    text = key_file.path.read_text()
    key_file.path.write_text(text[: len(text) // 2])

    with pytest.raises(KeyFileError, match="not valid JSON") as err:
        key_file.get_key("pseudonym.p1")

    assert str(key_file.path) in str(err.value)
    assert key.hex() not in str(err.value)


def test_a_truncated_key_is_refused(key_file: LocalKeyFile) -> None:
    key_file.create_key("pseudonym.p1")
    raw = json.loads(key_file.path.read_text())
    raw["keys"]["pseudonym.p1"]["key"] = "AAAA"
    key_file.path.write_text(json.dumps(raw))

    with pytest.raises(KeyFileError, match="not 256 bits"):
        key_file.get_key("pseudonym.p1")


def test_a_file_of_another_format_is_refused(key_file: LocalKeyFile) -> None:
    key_file.path.parent.mkdir(mode=0o700)
    key_file.path.write_text('{"hello": 1}')
    os.chmod(key_file.path, 0o600)

    with pytest.raises(KeyFileError, match="steward-keys/1"):
        key_file.get_key("pseudonym.p1")


def test_unsafe_key_ids_are_refused(key_file: LocalKeyFile) -> None:
    with pytest.raises(ValueError, match="invalid key id"):
        key_file.create_key("../etc/passwd Key")


def test_project_key_ids_are_separate_from_warehouse_key_ids() -> None:
    assert project_key_id("ortiz-2026") == "pseudonym.ortiz-2026"
    assert warehouse_key_id("sea", "enrollment") == "warehouse.sea.enrollment"


def test_the_local_key_file_implements_the_key_service_protocol(key_file: LocalKeyFile) -> None:
    assert isinstance(key_file, KeyService)
