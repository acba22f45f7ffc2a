"""The privacy officer's page that traces a leaked file to the recipient whose copy it is:
read in memory and never kept, audited with its checksum, refused to everyone else."""

from __future__ import annotations

import hashlib
import io
import secrets

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from steward.core.models import AuditEntry
from steward.extracts.services import extract_download, extract_trace_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_would_go_to_disk(settings, monkeypatch):
    # Django's own handlers would write any upload above one byte to a temporary file (and
    # delete it after the request): each such file is recorded here instead.
    from django.core.files import uploadhandler

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1
    spooled = []
    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", lambda *a, **k: spooled.append(a))
    return spooled


def _copy(ready, people, key, fmt):
    extract_file = ready.files.get(name="sea_attendance")
    return extract_download(actor=people[key], extract_file=extract_file, fmt=fmt).data


def _trace(client, ready, data, name):
    url = reverse("extracts:trace", kwargs={"pk": ready.pk})
    return client.post(url, {"leaked": SimpleUploadedFile(name, data)})


def test_a_downloaded_copy_is_traced_to_its_recipient_and_the_trace_is_audited(
    ready, people, client_for, _uploads_would_go_to_disk
):
    data = _copy(ready, people, "ana", "csv")
    _copy(ready, people, "ben", "csv")
    response = _trace(client_for("priya"), ready, data, "found-on-a-laptop.csv")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="match"' in page and people["ana"].email in page
    entry = AuditEntry.objects.get(action="extracts.traced")
    assert entry.actor == people["priya"] and entry.object_id == str(ready.pk)
    assert entry.summary["matched"] == people["ana"].pk
    assert entry.summary["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry.summary["score_per_mille"] >= 900
    assert _uploads_would_go_to_disk == []


def test_someone_elses_parquet_copy_is_traced_to_them(ready, people):
    _copy(ready, people, "ana", "parquet")
    data = _copy(ready, people, "ben", "parquet")
    trace = extract_trace_upload(
        actor=people["priya"], extract=ready, data=data, filename="copy.parquet"
    )
    assert trace.match == people["ben"]
    scores = {c.user.email: c.score for c in trace.candidates}
    assert scores[people["ben"].email] > 0.9 > scores[people["ana"].email]


def test_a_part_of_a_copy_still_traces_to_its_recipient(ready, people):
    data = _copy(ready, people, "ben", "csv")
    _copy(ready, people, "ana", "csv")
    lines = data.decode().splitlines()
    half = "\n".join(lines[: len(lines) // 2]).encode()
    trace = extract_trace_upload(actor=people["priya"], extract=ready, data=half, filename="a.csv")
    assert trace.match == people["ben"]


def test_an_unrelated_file_matches_no_one(ready, people, client_for):
    _copy(ready, people, "ana", "csv")
    _copy(ready, people, "ben", "csv")
    unrelated = pa.table({"person_id": [secrets.token_hex(16) for _ in range(60)]})
    buffer = io.BytesIO()
    pacsv.write_csv(unrelated, buffer)
    response = _trace(client_for("priya"), ready, buffer.getvalue(), "other.csv")
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="no-match"' in page
    assert AuditEntry.objects.get(action="extracts.traced").summary["matched"] is None


def test_only_the_privacy_officer_traces(ready, people, client_for):
    data = _copy(ready, people, "ana", "csv")
    for key in ("maya", "ana", "daniel", "lena"):
        assert _trace(client_for(key), ready, data, "x.csv").status_code == 403
    with pytest.raises(PermissionDenied):
        extract_trace_upload(actor=people["maya"], extract=ready, data=data, filename="x.csv")
    assert not AuditEntry.objects.filter(action="extracts.traced").exists()


def test_a_file_over_the_limit_or_without_pseudonyms_is_refused_unread(
    ready, people, client_for, settings
):
    data = _copy(ready, people, "ana", "csv")
    priya = client_for("priya")
    settings.EXTRACT_TRACE_MAX_BYTES = 100
    too_large = _trace(priya, ready, data, "x.csv")
    assert too_large.status_code == 400 and b"100 MB" not in too_large.content
    assert b"limit" in too_large.content
    settings.EXTRACT_TRACE_MAX_BYTES = 10_000_000
    no_ids = _trace(priya, ready, b"a,b\n1,2\n", "x.csv")
    assert no_ids.status_code == 400 and b"person_id" in no_ids.content
    wrong_kind = _trace(priya, ready, b"\x00\x01", "x.xlsx")
    assert wrong_kind.status_code == 400
    assert not AuditEntry.objects.filter(action="extracts.traced").exists()


def test_the_extract_page_links_the_privacy_officer_to_the_trace(ready, client_for):
    url = reverse("extracts:trace", kwargs={"pk": ready.pk})
    detail = reverse("extracts:detail", kwargs={"pk": ready.pk})
    assert url in client_for("priya").get(detail).content.decode()
    assert url not in client_for("ana").get(detail).content.decode()
