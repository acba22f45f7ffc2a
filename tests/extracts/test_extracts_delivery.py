"""Delivery: signed time-limited links for named researchers, audited downloads with each
recipient's fingerprint, refusal after expiry, destruction when the agreement ends."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from steward.core.models import AuditEntry
from steward.extracts.models import Download, Extract
from steward.extracts.services import (
    download_link,
    extract_download,
    extract_trace,
    extracts_daily,
)

pytestmark = pytest.mark.django_db


def _file(extract):
    return extract.files.get(name="sea_attendance")


def test_a_named_researcher_downloads_through_a_signed_link_and_it_is_audited(
    ready, people, client_for
):
    token = download_link(actor=people["ana"], extract_file=_file(ready), fmt="csv")
    response = client_for("ana").get(f"/extracts/download/{token}/")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    download = Download.objects.get()
    assert download.outcome == "delivered" and download.user == people["ana"]
    assert download.sha256 and download.fingerprint
    entry = AuditEntry.objects.filter(action="extracts.downloaded").get()
    assert entry.summary["sha256"] == download.sha256
    assert pacsv.read_csv(io.BytesIO(data)).num_rows == _file(ready).rows


def test_a_link_made_for_one_researcher_does_not_serve_another(ready, people, client_for):
    token = download_link(actor=people["ana"], extract_file=_file(ready), fmt="csv")
    assert client_for("ben").get(f"/extracts/download/{token}/").status_code == 404
    assert not Download.objects.exists()


def test_someone_not_named_on_the_agreement_gets_no_link(ready, people):
    with pytest.raises(PermissionDenied):
        download_link(actor=people["lena"], extract_file=_file(ready), fmt="csv")


def test_a_link_older_than_its_limit_is_refused(ready, people, client_for, settings):
    token = download_link(actor=people["ana"], extract_file=_file(ready), fmt="csv")
    settings.EXTRACT_LINK_SECONDS = -1
    response = client_for("ana").get(f"/extracts/download/{token}/")
    assert response.status_code == 410
    assert b"expired" in response.content


def test_a_download_after_the_agreement_expired_is_refused_and_audited(ready, people, now):
    from steward.agreements.services import agreements_daily

    extract_file = _file(ready)
    agreements_daily(at=now + timedelta(days=200))
    with pytest.raises(PermissionDenied):
        extract_download(actor=people["ana"], extract_file=extract_file, fmt="csv")
    refused = Download.objects.get()
    assert refused.outcome == "refused" and refused.user == people["ana"]
    assert AuditEntry.objects.filter(
        action="extracts.download_refused", object_id=str(refused.pk)
    ).exists()


def test_each_recipients_copy_is_traced_back_to_them(ready, people):
    extract_file = _file(ready)
    copies = {
        key: extract_download(actor=people[key], extract_file=extract_file, fmt="csv")
        for key in ("ana", "ben")
    }
    assert copies["ana"].download.fingerprint != copies["ben"].download.fingerprint
    leaked = pacsv.read_csv(io.BytesIO(copies["ben"].data))
    scores = extract_trace(actor=people["priya"], extract=ready, leaked=leaked)
    assert max(scores, key=scores.get) == people["ben"].email


def test_at_expiry_the_platforms_copies_are_deleted_and_marked_destroyed(ready, people, now):
    from steward.agreements.services import agreements_daily

    paths = [Path(settings.DATA_DIR) / f.path for f in ready.files.all()]
    assert all(p.exists() for p in paths)
    agreements_daily(at=now + timedelta(days=200))
    destroyed = extracts_daily(at=timezone.now())
    assert [e.pk for e in destroyed] == [ready.pk]
    ready.refresh_from_db()
    assert ready.status == Extract.Status.DESTROYED
    assert not any(p.exists() for p in paths)
    assert all(f.destroyed_at for f in ready.files.all())
    assert extracts_daily() == []
