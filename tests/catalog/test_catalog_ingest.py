from __future__ import annotations

import csv
import hashlib
import shutil
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from steward.catalog.models import DatasetVersion
from steward.catalog.selectors import dataset_find
from steward.catalog.services import dataset_ingest, dataset_upload_start, warehouse
from steward.core.jobs import job_run
from steward.core.models import AuditEntry, Job
from steward.dataplane.keys import LocalKeyFile
from steward.dataplane.warehouse import Warehouse

pytestmark = pytest.mark.django_db

ON_TIME = date(2020, 10, 1)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the SHA-256 of its bytes."""
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def catalog_dataset(agency: str, code: str):
    return dataset_find(agency, code)


def _ingest(people, tiny_state: Path, who: str, agency: str, dataset: str, year: int, **extra):
    path = extra.pop("path", tiny_state / agency / dataset / f"{year}.csv")
    return dataset_ingest(
        actor=people[who],
        agency=agency,
        dataset=dataset,
        year=year,
        path=path,
        received=extra.pop("received", ON_TIME),
    )


def _directories(people, tiny_state: Path, year: int = 2019) -> None:
    for dataset in ("districts", "schools"):
        _ingest(people, tiny_state, "daniel", "sea", dataset, year)


def _spoil(source: Path, target: Path, row: int, **values: str) -> Path:
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f))
    rows[row].update(values)
    with open(target, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_an_accepted_file_becomes_a_version_readable_with_the_key(
    catalog, people, tiny_state, data_dir, settings
):
    version = _ingest(people, tiny_state, "daniel", "sea", "districts", 2019)

    assert version.status == DatasetVersion.Status.ACCEPTED
    assert (version.version, version.path) == (1, "warehouse/sea/districts/2019/v0001.parquet")
    stored = data_dir / version.path
    assert version.bytes == stored.stat().st_size
    table = Warehouse(data_dir, LocalKeyFile(settings.KEY_FILE)).read("sea", "districts", 2019)
    assert table.num_rows == version.rows > 0
    with pytest.raises(OSError):
        pq.read_table(stored)  # without the key the file cannot be read
    assert version.scorecard["validity"]["percent"] == 100.0
    assert version.ingested_by == people["daniel"]


def test_an_ingest_writes_one_audit_entry_with_counts_and_no_values(catalog, people, tiny_state):
    before = AuditEntry.objects.count()

    version = _ingest(people, tiny_state, "daniel", "sea", "districts", 2019)

    entries = list(AuditEntry.objects.filter(seq__gt=before))
    assert [e.action for e in entries] == ["dataset_version.accepted"]
    assert entries[0].summary == {
        "agency": "sea",
        "dataset": "districts",
        "year": 2019,
        "version": 1,
        "rows": version.rows,
        "blocking": 0,
        "warnings": 0,
    }


def test_a_steward_cannot_ingest_for_another_agency_and_nothing_changes(
    catalog, people, tiny_state, data_dir
):
    before = (AuditEntry.objects.count(), DatasetVersion.objects.count(), tree_digest(data_dir))

    with pytest.raises(PermissionDenied, match="not a data steward of Lakeland Department"):
        _ingest(people, tiny_state, "rosa", "sea", "districts", 2019)

    after = (AuditEntry.objects.count(), DatasetVersion.objects.count(), tree_digest(data_dir))
    assert after == before


@pytest.mark.parametrize("who", ["maya", "priya", "alex", "ana"])
def test_only_data_stewards_may_ingest(catalog, people, tiny_state, who):
    with pytest.raises(PermissionDenied):
        _ingest(people, tiny_state, who, "sea", "districts", 2019)
    assert not DatasetVersion.objects.exists()


def test_a_file_with_a_blocking_error_is_refused_and_the_warehouse_is_unchanged(
    catalog, people, tiny_state, data_dir, tmp_path
):
    _directories(people, tiny_state)
    _ingest(people, tiny_state, "daniel", "sea", "enrollment", 2019)
    before = tree_digest(data_dir / "warehouse")
    bad = _spoil(tiny_state / "sea/enrollment/2019.csv", tmp_path / "2019.csv", 3, sex="X")

    version = _ingest(people, tiny_state, "daniel", "sea", "enrollment", 2019, path=bad)

    assert tree_digest(data_dir / "warehouse") == before
    assert version.status == DatasetVersion.Status.REFUSED
    assert (version.version, version.path, version.sha256) == (None, "", "")
    problem = version.problems[0]
    assert (problem["rule"], problem["column"], problem["failing"]) == ("codes", "sex", 1)
    assert problem["rows"] == [4]
    assert version.scorecard["validity"]["numerator"] < version.scorecard["validity"]["denominator"]
    assert AuditEntry.objects.order_by("-seq").first().action == "dataset_version.refused"


def test_a_refused_report_holds_counts_and_row_numbers_but_no_values(
    catalog, people, tiny_state, tmp_path
):
    _directories(people, tiny_state)
    source = tiny_state / "sea/enrollment/2019.csv"
    with open(source, newline="") as f:
        first = next(csv.DictReader(f))
    bad = _spoil(source, tmp_path / "2019.csv", 0, birth_date="2019-02-30")

    version = _ingest(people, tiny_state, "daniel", "sea", "enrollment", 2019, path=bad)

    stored = str(version.report) + str(version.scorecard)
    stored += str(AuditEntry.objects.order_by("-seq").first().summary)
    for value in (first["student_id"], first["first_name"], first["last_name"], "2019-02-30"):
        assert value not in stored


def test_a_year_outside_the_dataset_is_refused(catalog, people, tiny_state):
    with pytest.raises(ValidationError, match="outside those years"):
        _ingest(
            people,
            tiny_state,
            "daniel",
            "sea",
            "districts",
            1999,
            path=tiny_state / "sea/districts/2019.csv",
        )


def test_references_are_checked_against_the_same_year_in_the_warehouse(
    catalog, people, tiny_state, tmp_path
):
    source = tiny_state / "sea/schools/2019.csv"
    early = _ingest(people, tiny_state, "daniel", "sea", "schools", 2019)
    _ingest(people, tiny_state, "daniel", "sea", "districts", 2019)
    bad = _spoil(source, tmp_path / "2019.csv", 2, district_id="9999")

    late = _ingest(people, tiny_state, "daniel", "sea", "schools", 2019, path=bad)

    assert early.accepted  # no district directory yet: the rule is skipped, and says so
    assert [s["rule"] for s in early.report["skipped"]] == ["references"]
    assert not late.accepted
    assert (late.problems[0]["rule"], late.problems[0]["rows"]) == ("references", [3])


def test_an_upload_is_kept_for_its_job_which_ingests_it_and_removes_it(
    catalog, people, tiny_state, data_dir
):
    content = (tiny_state / "sea/districts/2019.csv").read_bytes()
    job = dataset_upload_start(
        actor=people["daniel"],
        dataset=catalog_dataset("sea", "districts"),
        year=2019,
        received=ON_TIME,
        upload=SimpleUploadedFile("districts 2019.csv", content),
    )
    waiting = list((data_dir / "incoming").iterdir())
    assert len(waiting) == 1
    assert waiting[0].stat().st_mode & 0o077 == 0

    job = job_run(job)

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["version"] == 1
    assert not list((data_dir / "incoming").iterdir())
    version = DatasetVersion.objects.get(pk=job.result["dataset_version"])
    assert version.file_name == "districts 2019.csv"
    assert version.ingested_by == people["daniel"]


def test_a_refused_upload_fails_its_job_with_rule_column_and_count(
    catalog, people, tiny_state, data_dir, tmp_path
):
    bad = _spoil(tiny_state / "sea/districts/2019.csv", tmp_path / "d.csv", 0, region="MOON")
    job = dataset_upload_start(
        actor=people["daniel"],
        dataset=catalog_dataset("sea", "districts"),
        year=2019,
        received=ON_TIME,
        upload=SimpleUploadedFile("d.csv", bad.read_bytes()),
    )

    job = job_run(job)

    assert job.status == Job.Status.FAILED
    assert "refused" in job.error
    assert "blocking: codes [region]: 1 of" in job.error
    assert "MOON" not in job.error
    assert DatasetVersion.objects.get().status == DatasetVersion.Status.REFUSED
    assert not list((data_dir / "incoming").iterdir())


def test_an_upload_that_is_not_csv_or_parquet_is_refused_and_nothing_is_kept(
    catalog, people, data_dir
):
    with pytest.raises(ValidationError, match=r"\.csv or \.parquet"):
        dataset_upload_start(
            actor=people["daniel"],
            dataset=catalog_dataset("sea", "districts"),
            year=2019,
            received=ON_TIME,
            upload=SimpleUploadedFile("districts.xlsx", b"PK"),
        )
    assert not (data_dir / "incoming").exists() or not list((data_dir / "incoming").iterdir())
    assert not Job.objects.filter(kind="catalog.ingest").exists()


def test_the_ingest_command_stores_a_file_as_the_agencys_steward(catalog, tiny_state, capsys):
    call_command(
        "ingest",
        str(tiny_state / "sea/districts/2019.csv"),
        agency="sea",
        dataset="districts",
        year=2019,
        received="due",
    )

    assert "sea/districts/2019: accepted as version 1" in capsys.readouterr().out
    version = DatasetVersion.objects.get()
    assert version.ingested_by.email == "daniel@demo.steward.test"
    assert version.received == date(2020, 10, 1)


def test_the_ingest_command_exits_1_with_the_problems_of_a_refused_file(
    catalog, tiny_state, tmp_path
):
    bad = _spoil(tiny_state / "sea/districts/2019.csv", tmp_path / "d.csv", 1, region="MOON")

    with pytest.raises(CommandError) as refused:
        call_command("ingest", str(bad), agency="sea", dataset="districts", year=2019)

    assert refused.value.returncode == 1
    assert "blocking: codes [region]: 1 of" in str(refused.value)


def test_the_ingest_command_refuses_a_steward_of_another_agency(catalog, tiny_state):
    with pytest.raises(CommandError, match="not a data steward"):
        call_command(
            "ingest",
            str(tiny_state / "sea/districts/2019.csv"),
            agency="sea",
            dataset="districts",
            year=2019,
            **{"as": "rosa@demo.steward.test"},
        )
    assert not Job.objects.filter(kind="catalog.ingest").exists()


def test_ingest_all_stores_a_whole_synthetic_state_in_a_safe_order(
    catalog, tiny_state, data_dir, settings, capsys
):
    call_command("ingest_all", str(tiny_state), received="due")

    files = [f for f in tiny_state.glob("*/*/*.csv") if f.parent.parent.name != "truth"]
    assert f"Ingested {len(files)} files" in capsys.readouterr().out
    versions = DatasetVersion.objects.all()
    assert versions.count() == len(files)
    assert all(v.accepted for v in versions)
    assert {v.ingested_by.email.split("@")[0] for v in versions} == {"daniel", "rosa", "victor"}
    order = list(versions.order_by("pk").values_list("dataset__code", "year"))
    assert order.index(("districts", 2019)) < order.index(("schools", 2019))
    assert order.index(("schools", 2020)) < order.index(("enrollment", 2020))
    assert order.index(("enrollment", 2019)) < order.index(("enrollment", 2020))
    enrollment_2020 = versions.get(
        dataset__agency_code="sea", dataset__code="enrollment", year=2020
    )
    assert enrollment_2020.scorecard["consistency"]["denominator"] > 0  # 2019 was there first
    assert not any(r["rule"] == "references" for r in enrollment_2020.report["skipped"])
    table = warehouse().read("workforce", "wages", 2020)
    assert table.num_rows == versions.get(dataset__code="wages", year=2020).rows


def test_ingest_all_stops_at_the_first_refused_file_and_exits_1(catalog, tiny_state, tmp_path):
    state = tmp_path / "state"
    shutil.copytree(tiny_state, state)
    _spoil(tiny_state / "sea/schools/2020.csv", state / "sea/schools/2020.csv", 0, locale="SEA")

    with pytest.raises(CommandError) as refused:
        call_command("ingest_all", str(state), received="due", agency="sea")

    assert refused.value.returncode == 1
    assert "sea/schools/2020" in str(refused.value)
    assert "blocking: codes [locale]" in str(refused.value)
    assert not DatasetVersion.objects.filter(dataset__code="enrollment").exists()


def test_ingest_all_refuses_a_folder_with_files_the_catalog_does_not_know(
    catalog, tiny_state, tmp_path
):
    state = tmp_path / "state"
    (state / "sea" / "lunch_menus").mkdir(parents=True)
    (state / "sea" / "lunch_menus" / "2019.csv").write_text("day\n")

    with pytest.raises(CommandError, match="Not in the loaded catalog: sea/lunch_menus"):
        call_command("ingest_all", str(state))
    assert not Job.objects.filter(kind="catalog.ingest").exists()
