"""Building an extract from the agreement, the release check, refreshes and the command."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from steward.core.models import AuditEntry
from steward.dataplane.extract import read_extract_table
from steward.extracts.models import Extract
from steward.extracts.services import extract_build, extract_risk_decide

from .conftest import NAME_MARKER, build

pytestmark = pytest.mark.django_db


def test_an_extract_holds_only_granted_elements_with_pseudonyms_and_the_population(ready):
    from steward.catalog.services import warehouse

    assert ready.status == Extract.Status.READY
    files = {f.name: f for f in ready.files.all()}
    assert set(files) == {"sea_attendance", "sea_enrollment"}
    assert set(files["sea_enrollment"].columns) == {
        "person_id",
        "school_year",
        "grade",
        "economically_disadvantaged",
    }
    table = read_extract_table(warehouse(), Path(settings.DATA_DIR) / files["sea_enrollment"].path)
    # Grades 6-8 in the cohort years 2016-2019: of the 40 students, those ever in 6-8 then.
    assert set(table.column("grade").to_pylist()) <= {f"{g:02d}" for g in range(5, 10)}
    assert files["sea_attendance"].years == list(range(2016, 2022))
    assert "1000000001" not in table.column("person_id").to_pylist()


def test_no_plaintext_student_rows_are_left_in_the_data_folder(ready):
    for path in Path(settings.DATA_DIR).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert NAME_MARKER.encode() not in data
            assert b"1000000001" not in data, path


def test_the_codebook_is_written_beside_the_files(ready, client_for):
    response = client_for("ana").get(f"/extracts/{ready.pk}/codebook/")
    assert response.status_code == 200
    assert b"Economically disadvantaged" in response.content
    package = client_for("ana").get(f"/extracts/{ready.pk}/datapackage.json").json()
    assert {r["path"] for r in package["resources"]} == {"sea_attendance.csv", "sea_enrollment.csv"}


def test_only_the_projects_liaison_builds(agreement, sea_data, people):
    with pytest.raises(PermissionDenied):
        extract_build(actor=people["priya"], agreement=agreement)


def test_the_build_writes_one_audit_entry_for_the_request_and_one_for_the_result(
    agreement, sea_data, people
):
    before = AuditEntry.objects.count()
    build(agreement, people)
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)[before:])
    assert actions == ["job.created", "extracts.built", "job.succeeded"]


def test_a_risky_extract_waits_for_the_privacy_officer_who_sees_rare_combinations(
    agreement, sea_data, people, settings, client_for
):
    settings.EXTRACT_RISK_MAX_SHARE = 0.0
    settings.EXTRACT_RISK_K = 50
    extract = build(agreement, people)
    assert extract.status == Extract.Status.RISK_REVIEW
    page = client_for("priya").get(f"/extracts/{extract.pk}/")
    assert b"Rarest combinations" in page.content and b"Record the decision" in page.content
    with pytest.raises(PermissionDenied):
        extract_risk_decide(actor=people["maya"], extract=extract, decision="approve")
    approved = extract_risk_decide(actor=people["priya"], extract=extract, decision="approve")
    assert approved.status == Extract.Status.READY


def test_asking_for_coarsening_deletes_the_files(agreement, sea_data, people, settings):
    settings.EXTRACT_RISK_MAX_SHARE = 0.0
    settings.EXTRACT_RISK_K = 50
    extract = build(agreement, people)
    with pytest.raises(ValidationError):
        extract_risk_decide(actor=people["priya"], extract=extract, decision="coarsen")
    extract = extract_risk_decide(
        actor=people["priya"], extract=extract, decision="coarsen", note="School to district."
    )
    assert extract.status == Extract.Status.COARSEN
    assert all(f.destroyed_at for f in extract.files.all())
    assert not any((Path(settings.DATA_DIR) / f.path).exists() for f in extract.files.all())


def test_a_refresh_builds_a_new_version_with_the_same_pseudonyms(agreement, sea_data, people):
    from steward.catalog.services import warehouse

    first, second = build(agreement, people), build(agreement, people)
    assert (first.number, second.number) == (1, 2)

    def ids(extract):
        path = Path(settings.DATA_DIR) / extract.files.get(name="sea_attendance").path
        return sorted(read_extract_table(warehouse(), path).column("person_id").to_pylist())

    assert ids(first) == ids(second)


def test_the_command_builds_an_extract_with_a_progress_bar(agreement, sea_data, capsys):
    call_command("extract", "build", str(agreement.pk))
    out = capsys.readouterr().out
    assert "EX-" in out and "Ready for the named researchers" in out


def test_an_agreement_whose_people_may_not_receive_data_builds_nothing(agreement, people):
    from steward.access.models import TrainingCompletion

    TrainingCompletion.objects.all().delete()
    with pytest.raises(ValidationError, match="No one named"):
        extract_build(actor=people["maya"], agreement=agreement)
