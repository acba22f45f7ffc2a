from __future__ import annotations

import copy

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command

from steward.catalog.models import ClassificationLevel, Dataset, Element
from steward.catalog.services import CATALOG_FILE, catalog_load
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple]:
    return [
        *ClassificationLevel.objects.values_list().order_by("level"),
        *Dataset.objects.values_list().order_by("pk"),
        *Element.objects.values_list().order_by("pk"),
    ]


def test_loading_the_catalog_creates_every_level_dataset_and_element(data_dir):
    summary = catalog_load(actor=None)

    source = yaml.safe_load(CATALOG_FILE.read_text())
    datasets = [d for agency in source["agencies"] for d in agency["datasets"]]
    assert ClassificationLevel.objects.count() == 4
    assert Dataset.objects.count() == len(datasets) == summary.counts["datasets"]["created"]
    assert Element.objects.count() == sum(len(d["elements"]) for d in datasets)
    enrollment = Dataset.objects.get(agency_code="sea", code="enrollment")
    assert enrollment.agency.code == "lde"
    assert enrollment.key == ["student_id"]
    disability = enrollment.elements.get(name="disability")
    assert disability.classification.level == 4
    assert disability.ceds_name == "IDEA Indicator"
    assert enrollment.elements.get(name="foster_care").ceds_name == ""


def test_catalog_agencies_map_to_organizations_by_agency_kind(data_dir):
    catalog_load(actor=None)

    agencies = dict(Dataset.objects.values_list("agency_code", "agency__code").distinct())
    assert agencies == {"sea": "lde", "postsecondary": "lhec", "workforce": "lwc"}


def test_loading_twice_changes_nothing_and_writes_one_audit_entry_each_time(data_dir, people):
    catalog_load(actor=None)
    before = _snapshot()
    entries = AuditEntry.objects.count()

    summary = catalog_load(actor=people["alex"])

    assert _snapshot() == before
    assert not summary.changed
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "catalog.loaded"
    assert entry.actor_id == people["alex"].pk
    assert entry.summary["elements"]["unchanged"] == Element.objects.count()


def _write(tmp_path, data) -> str:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def test_a_changed_catalog_updates_elements_and_retires_removed_ones(data_dir, tmp_path):
    catalog_load(actor=None)
    data = yaml.safe_load(CATALOG_FILE.read_text())
    changed = copy.deepcopy(data)
    attendance = next(d for d in changed["agencies"][0]["datasets"] if d["code"] == "attendance")
    attendance["elements"][-1]["label"] = "A clearer label"
    removed = attendance["elements"].pop(-2)["name"]

    summary = catalog_load(actor=None, path=_write(tmp_path, changed))

    assert summary.counts["elements"]["updated"] >= 1
    assert summary.counts["elements"]["retired"] == 1
    elements = Element.objects.filter(dataset__code="attendance", dataset__agency_code="sea")
    assert not elements.get(name=removed).active
    assert elements.filter(active=True).last().label == "A clearer label"


def test_a_broken_catalog_is_refused_naming_the_entry_and_changes_nothing(data_dir, tmp_path):
    catalog_load(actor=None)
    before, entries = _snapshot(), AuditEntry.objects.count()
    data = yaml.safe_load(CATALOG_FILE.read_text())
    data["agencies"][0]["datasets"][0]["elements"][0]["type"] = "colour"

    with pytest.raises(ValidationError, match=r"agencies\[0\]\.datasets\[0\]\.elements\[0\]"):
        catalog_load(actor=None, path=_write(tmp_path, data))

    assert _snapshot() == before
    assert AuditEntry.objects.count() == entries


def test_a_catalog_agency_without_its_organization_is_refused_and_nothing_is_loaded(data_dir):
    from steward.accounts.models import Organization

    Organization.objects.filter(code="lhec").update(agency_kind="other")

    with pytest.raises(ValidationError, match="exactly one agency organization of kind"):
        catalog_load(actor=None)
    assert Dataset.objects.count() == 0
    assert ClassificationLevel.objects.count() == 0


def test_the_load_command_prints_what_changed(data_dir, capsys):
    call_command("catalog", "load")
    call_command("catalog", "load")

    first, second = capsys.readouterr().out.split("Catalog loaded")[1:]
    elements = Element.objects.count()
    assert f"elements: {elements} created, 0 updated, 0 unchanged" in first
    assert f"elements: 0 created, 0 updated, {elements} unchanged" in second


def test_the_synth_command_writes_to_the_data_folder_by_default(data_dir):
    from steward.catalog.management.commands.synth import Command

    with pytest.raises(SystemExit) as finished:
        Command().run_from_argv(
            ["steward", "synth", "--students", "50", "--years", "2019-2019", "--quiet"]
        )

    assert finished.value.code == 0
    assert (data_dir / "synth" / "manifest.json").is_file()
    assert (data_dir / "synth" / "sea" / "enrollment" / "2019.csv").is_file()


def test_the_synth_command_refuses_bad_arguments_with_status_2(data_dir):
    from steward.catalog.management.commands.synth import Command

    with pytest.raises(SystemExit) as finished:
        Command().run_from_argv(["steward", "synth", "--years", "2020-2019"])

    assert finished.value.code == 2
    assert not (data_dir / "synth").exists()
