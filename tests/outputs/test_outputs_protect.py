"""Protecting a table on the page and through the API: hidden cells marked with their reasons,
nothing published below the threshold, and the uploaded counts never shown nor kept in clear."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from steward.core.models import AuditEntry
from steward.outputs.models import ProtectedTable
from steward.outputs.sealing import unseal

pytestmark = pytest.mark.django_db

# Two districts; school S3 has 4 third-graders, a cell below the threshold of 10.
TABLE = """district,school,grade,n
D1,S1,3,40
D1,S1,4,35
D1,S2,3,22
D1,S2,4,31
D2,S3,3,4
D2,S3,4,28
D2,S4,3,25
D2,S4,4,30
"""


def _upload(client, text: str = TABLE, **fields):
    data = {
        "file": io.BytesIO(text.encode()),
        "dims": "district,school,grade",
        "count": "n",
        "agencies": [],
        **fields,
    }
    data["file"].name = "enrollment.csv"
    return client.post(reverse("outputs:protect"), data)


def _published_numbers(rows) -> list[int]:
    return [int(r["value"]) for r in rows if not r["suppressed"]]


def test_a_researcher_uploads_a_table_and_sees_it_protected_with_a_reason_for_each_hidden_cell(
    client_for,
):
    client = client_for("ana")
    response = _upload(client)
    assert response.status_code == 302
    table = ProtectedTable.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    rows = page.context["rows"]
    hidden = [r for r in rows if r["suppressed"]]
    assert table.passed and hidden
    small = next(r for r in rows if r["codes"] == ["D2", "S3", "3"])
    assert small["value"] == "*"
    assert small["reason"] == "fewer students than the minimum cell size"
    assert all(r["reason"] for r in hidden)
    assert any("cannot be worked out from the totals" in r["reason"] for r in hidden)
    assert all(n == 0 or n >= 10 for n in _published_numbers(rows))
    assert all(n % 5 == 0 for n in _published_numbers(rows))
    html = page.content.decode()
    assert "fewer students than the minimum cell size" in html


def test_a_long_table_is_shown_a_page_at_a_time_each_hidden_cell_with_its_reason(
    client_for, monkeypatch
):
    from steward.outputs import views

    monkeypatch.setattr(views, "ROWS_PER_PAGE", 4)
    client = client_for("ana")
    url = _upload(client)["Location"]
    table = ProtectedTable.objects.get()
    pages = -(-table.n_cells // 4)
    seen = []
    for number in range(1, pages + 1):
        page = client.get(url, {"page": number})
        assert page.context["page"].number == number and len(page.context["rows"]) <= 4
        seen += page.context["rows"]
    assert [r["codes"] for r in seen] == [r["codes"] for r in table.published["rows"]]
    small = next(r for r in seen if r["codes"] == ["D2", "S3", "3"])  # not on the first page
    assert small["reason"] == "fewer students than the minimum cell size"
    assert small not in client.get(url).context["rows"]
    assert f"Page 1 of {pages}" in client.get(url).content.decode()


def test_protecting_a_table_writes_one_audit_entry_without_any_cell_value(client_for):
    before = AuditEntry.objects.count()
    _upload(client_for("maya"))
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "outputs.table_protect"
    assert set(entry.summary) == {
        "cells",
        "suppressed",
        "method",
        "passed",
        "rules",
        "certificate_sha256",
    }


def test_the_uploaded_counts_are_kept_only_sealed(client_for):
    _upload(client_for("ana"))
    table = ProtectedTable.objects.get()
    sealed = bytes(table.sealed)
    plain = json.dumps(unseal(sealed)).encode()
    assert b"S3" in plain  # what is sealed holds the school...
    # ...and no stretch of it shows through (short strings can occur in ciphertext by chance).
    assert all(plain[i : i + 24] not in sealed for i in range(0, len(plain) - 24, 8))
    assert "4" not in {row["value"] for row in table.published["rows"]}
    assert "required" not in str(table.certificate)
    assert "value_suppressed" not in table.certificate
    assert table.certificate["form"] == "public"
    assert all(set(c) == {"codes", "interval", "passed"} for c in table.certificate["cells"])


def test_the_download_holds_the_protected_table_only(client_for):
    client = client_for("ana")
    _upload(client)
    table = ProtectedTable.objects.get()
    response = client.get(reverse("outputs:protected_csv", kwargs={"pk": table.pk}))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0].keys() == {"district", "school", "grade", "n"}
    cell = next(r for r in rows if (r["district"], r["school"], r["grade"]) == ("D2", "S3", "3"))
    assert cell["n"] == "*"
    assert "reason" not in response.content.decode().lower()
    assert all(r["n"] == "*" or int(r["n"]) >= 10 or int(r["n"]) == 0 for r in rows)


def test_nobody_but_the_uploader_sees_or_downloads_a_protected_table(client_for):
    _upload(client_for("ana"))
    table = ProtectedTable.objects.get()
    for name in ("outputs:protected", "outputs:protected_csv"):
        url = reverse(name, kwargs={"pk": table.pk})
        assert client_for("ben").get(url).status_code == 404
        assert client_for("priya").get(url).status_code == 404


def test_a_table_naming_a_missing_column_is_refused_by_name_and_nothing_is_kept(client_for):
    before = AuditEntry.objects.count()
    response = _upload(client_for("ana"), count="students")
    assert response.status_code == 400
    (error,) = response.context["form"].non_field_errors()
    assert error.startswith("enrollment.csv: no column 'students'; its columns are: district")
    assert not ProtectedTable.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_count_that_is_not_a_number_is_refused_naming_its_line(client_for):
    response = _upload(client_for("ana"), text=TABLE.replace("D2,S3,3,4", "D2,S3,3,four"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "enrollment.csv, line 6: column 'n' is not a number"
    ]
    assert not ProtectedTable.objects.exists()


def test_rates_are_coded_and_counts_suppressed_in_the_same_pass(client_for):
    text = "school,passed,tested\nA,48,50\nB,30,60\nC,3,40\nD,12,80\n"
    response = _upload(client_for("ana"), text=text, dims="school", count="passed",
                       denominator="tested")  # fmt: skip
    assert response.status_code == 302
    table = ProtectedTable.objects.get()
    shown = {r["codes"][0]: r["value"] for r in table.published["rows"]}
    assert table.published["columns"] == ["school", "passed_rate"]
    assert shown["A"] == ">=95%"  # 96% of a group under 300
    assert shown["B"] == "50%"
    assert shown["C"] == "*"  # 3 students passed: too few to publish
    assert shown["D"] == "*"  # the smallest other cell, so that C cannot be worked out


def test_the_strictest_rules_of_the_named_agencies_are_applied(client_for, people):
    from steward.outputs.selectors import agencies
    from steward.outputs.services import rule_set_update

    lhec = agencies().get(agency_kind="postsecondary")
    values = {"threshold": 25, "rounding_base": 5}
    rule_set_update(actor=people["priya"], agency=lhec, values=values, note="small colleges")
    _upload(client_for("ana"), agencies=[lhec.pk])
    table = ProtectedTable.objects.get()
    assert table.rules["threshold"] == 25
    assert all(n == 0 or n >= 25 for n in _published_numbers(table.published["rows"]))
    assert table.certificate["rules_versions"] == [
        {"id": lhec.disclosure_rule_sets.get().pk, "scope": lhec.code, "version": 1}
    ]


def test_the_api_protects_a_posted_table(client_for):
    client = client_for("ana")
    payload = {"csv": TABLE, "dims": ["district", "school", "grade"], "count": "n"}
    response = client.post(reverse("api:outputs_protect"), payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["passed"] and body["n_suppressed"] >= 2
    cell = next(c for c in body["cells"] if c["codes"] == ["D2", "S3", "3"])
    assert cell == {
        "codes": ["D2", "S3", "3"],
        "value": "*",
        "suppressed": True,
        "reason": "fewer students than the minimum cell size",
    }
    assert all(c["reason"] for c in body["cells"] if c["suppressed"])
    published = [int(c["value"]) for c in body["cells"] if not c["suppressed"]]
    assert all(n == 0 or n >= 10 for n in published)
    assert body["csv"].startswith("district,school,grade,n\n")
    assert body["certificate"]["passed"] is True


def test_the_api_refuses_a_bad_table_naming_the_column(client_for):
    client = client_for("ana")
    payload = {"csv": TABLE, "dims": ["district", "campus"], "count": "n"}
    response = client.post(reverse("api:outputs_protect"), payload, content_type="application/json")
    assert response.status_code == 400
    assert "no column 'campus'" in response.json()["message"]
    assert not ProtectedTable.objects.exists()


# A large upload: protected by a job, the upload sealed meanwhile ----------------------------------


@pytest.fixture
def large(monkeypatch):
    """Tables of more than four rows count as large, so the eight-row table goes to a job."""
    from steward.outputs import services

    monkeypatch.setattr(services, "INLINE_ROWS", 4)


def test_a_large_upload_is_protected_by_a_job_and_its_page_follows_it(client_for, large):
    from steward.core.jobs import job_run

    client = client_for("ana")
    url = _upload(client)["Location"]
    table = ProtectedTable.objects.get()
    assert table.status == "protecting" and table.job is not None
    # Meanwhile the upload is kept only sealed, and nothing of it is shown or offered.
    sealed = unseal(table.sealed)
    assert b"S3" not in bytes(table.sealed)
    assert {"district": "D2", "school": "S3", "grade": "3", "n": "4"} in sealed["rows"]
    page = client.get(url).content.decode()
    assert "being protected" in page and "hx-trigger" in page and "D2" not in page
    csv_url = reverse("outputs:protected_csv", kwargs={"pk": table.pk})
    assert client.get(csv_url).status_code == 404
    queued = AuditEntry.objects.get(action="outputs.table_protect_queued")
    assert queued.summary["rows"] == 8 and queued.summary["job"] == str(table.job.pk)
    assert "protect-progress" in client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert job_run(table.job).status == "succeeded"
    table.refresh_from_db()
    assert table.status == "ready" and table.passed and table.n_suppressed >= 2
    assert "rows" not in unseal(table.sealed)  # the upload gave way to the protected table
    entry = AuditEntry.objects.get(action="outputs.table_protect")
    assert entry.actor_id == table.created_by_id and entry.summary["cells"] == table.n_cells
    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 204 and polled["HX-Refresh"] == "true"
    rows = client.get(url).context["rows"]
    small = next(r for r in rows if r["codes"] == ["D2", "S3", "3"])
    assert small["value"] == "*" and small["reason"] == "fewer students than the minimum cell size"
    assert client.get(csv_url).status_code == 200


def test_a_job_protects_a_table_exactly_as_the_request_would(client_for, people, monkeypatch):
    from steward.core.jobs import job_run
    from steward.outputs import services
    from steward.outputs.selectors import agencies
    from steward.outputs.services import rule_set_update

    # Two agencies' rules, made in the opposite order to the one the form lists them in.
    named = list(agencies().filter(agency_kind__in=["postsecondary", "workforce"]))
    for agency in reversed(named):
        rule_set_update(actor=people["priya"], agency=agency, values={"threshold": 11}, note="")
    chosen = [agency.pk for agency in named]
    client = client_for("ana")
    _upload(client, agencies=chosen)
    at_once = ProtectedTable.objects.get()
    monkeypatch.setattr(services, "INLINE_ROWS", 4)
    _upload(client, agencies=chosen)
    queued = ProtectedTable.objects.exclude(pk=at_once.pk).get()
    job_run(queued.job)
    queued.refresh_from_db()
    assert queued.published == at_once.published
    assert len(at_once.certificate["rules_versions"]) == 2
    issued = {"issued_at": None}
    assert {**queued.certificate, **issued} == {**at_once.certificate, **issued}
    summaries = [e.summary for e in AuditEntry.objects.filter(action="outputs.table_protect")]
    first, second = ({k: v for k, v in e.items() if k != "certificate_sha256"} for e in summaries)
    assert first == second
    queued_entry = AuditEntry.objects.get(action="outputs.table_protect_queued")
    assert queued_entry.summary["rules"] == at_once.certificate["rules_versions"]


def test_a_large_upload_is_not_released_before_it_is_protected(client_for, people, large):
    from steward.outputs.models import Release
    from steward.outputs.services import release_record

    _upload(client_for("maya"))
    table = ProtectedTable.objects.get()
    with pytest.raises(Exception, match="has not been protected"):
        release_record(actor=people["maya"], protected_table=table, title="T",
                       population="P", source=Release.Source.SEA_REPORT)  # fmt: skip
    assert not Release.objects.exists()


def test_a_job_that_cannot_protect_the_table_says_why_and_drops_the_upload(
    client_for, large, monkeypatch
):
    from steward.core.jobs import job_run
    from steward.outputs import services
    from steward.outputs.tables import TableInputError

    client = client_for("ana")
    url = _upload(client)["Location"]
    table = ProtectedTable.objects.get()

    def refuse(*args, **kwargs):
        raise TableInputError("enrollment.csv: school S3 is in two districts")

    monkeypatch.setattr(services, "protect_table", refuse)
    job = job_run(table.job)
    # The reason stays with the table, whose page only its uploader sees; the job says where.
    assert job.status == "failed"
    assert job.error == "The table could not be protected; its page says why."
    table.refresh_from_db()
    assert table.status == "failed" and bytes(table.sealed) == b""
    assert AuditEntry.objects.filter(action="outputs.table_protect_failed").count() == 1
    page = client.get(url).content.decode()
    assert "could not be protected" in page and "school S3 is in two districts" in page


def test_the_page_takes_tables_longer_than_a_request_may_protect(client_for, monkeypatch, large):
    from steward.outputs import services

    monkeypatch.setattr(services, "MAX_ROWS", 5)
    client = client_for("ana")
    payload = {"csv": TABLE, "dims": ["district", "school", "grade"], "count": "n"}
    refused = client.post(reverse("api:outputs_protect"), payload, content_type="application/json")
    assert refused.status_code == 400 and "more than 5 rows" in refused.json()["message"]
    assert _upload(client).status_code == 302  # the page queues it
    assert ProtectedTable.objects.get().status == "protecting"


@pytest.mark.parametrize("how", ["job failed outside", "job running for hours"])
def test_a_protection_lost_with_its_worker_is_marked_failed_and_its_upload_dropped(
    client_for, large, how
):
    from datetime import timedelta

    from steward.core.models import Job

    client = client_for("ana")
    url = _upload(client)["Location"]
    table = ProtectedTable.objects.get()
    if how == "job failed outside":
        Job.objects.filter(pk=table.job_id).update(status="failed")
    else:
        old = table.job.created_at - Job.LOST_AFTER - timedelta(minutes=1)
        Job.objects.filter(pk=table.job_id).update(status="running", created_at=old)
    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 204 and polled["HX-Refresh"] == "true"
    table.refresh_from_db()
    assert table.status == "failed" and bytes(table.sealed) == b""
    assert AuditEntry.objects.filter(action="outputs.table_protect_failed").count() == 1
    page = client.get(url).content.decode()
    assert "did not finish" in page and "hx-trigger" not in page


def test_a_table_still_being_protected_is_not_released_and_the_page_says_why(client_for, large):
    from steward.outputs.models import Release

    client = client_for("maya")
    _upload(client)
    table = ProtectedTable.objects.get()
    data = {"title": "North", "population": "P", "source": "sea_report"}
    response = client.post(
        reverse("outputs:release_create", kwargs={"pk": table.pk}), data, follow=True
    )
    assert "has not been protected; it cannot be released" in response.content.decode()
    assert not Release.objects.exists()


def test_the_uploaded_file_stays_in_memory_never_a_temporary_file(
    client_for, settings, monkeypatch
):
    from django.core.files import uploadhandler

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # Django's own handlers would write it to disk
    spooled = []
    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", lambda *a, **k: spooled.append(a))
    assert _upload(client_for("ana")).status_code == 302
    assert ProtectedTable.objects.get().passed
    assert spooled == []


def test_a_file_over_the_size_limit_is_refused_and_nothing_kept(client_for, monkeypatch):
    from steward.outputs import views

    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 50)
    response = _upload(client_for("ana"))
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "The file is larger than 5 MB; protect it with the CLI."
    ]
    assert not ProtectedTable.objects.exists()


def test_a_table_that_failed_its_audit_is_never_released(people):
    from django.core.exceptions import ValidationError

    from steward.outputs.models import Release
    from steward.outputs.services import release_record, table_protect

    table = table_protect(actor=people["maya"], data=TABLE.encode(), name="t.csv",
                          dims=["district", "school", "grade"], count="n")  # fmt: skip
    ProtectedTable.objects.filter(pk=table.pk).update(passed=False)  # as if its audit ran out
    table.refresh_from_db()
    with pytest.raises(ValidationError, match="failed its audit"):
        release_record(actor=people["maya"], protected_table=table, title="T",
                       population="Not yet", source=Release.Source.SEA_REPORT)  # fmt: skip
    assert not Release.objects.exists()
