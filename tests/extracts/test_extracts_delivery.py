"""Delivery: signed time-limited links for named researchers, audited downloads with each
recipient's fingerprint, refusal after expiry, to a named researcher who has not accepted the
terms or whose training lapsed, destruction when the agreement ends."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from steward.access.models import TrainingCompletion
from steward.core.models import AuditEntry
from steward.extracts.models import Download, Extract
from steward.extracts.services import (
    download_link,
    extract_download,
    extract_trace,
    extracts_daily,
)

from .conftest import build

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


def _refusal_of(user, extract_file) -> Download:
    refused = Download.objects.get(user=user, file=extract_file)
    assert refused.outcome == "refused"
    assert refused.reason == "The agreement does not let you receive this file now."
    assert not refused.sha256 and not refused.bytes
    entry = AuditEntry.objects.get(action="extracts.download_refused", object_id=str(refused.pk))
    assert entry.actor_id == user.pk
    return refused


@pytest.fixture
def ana_accepted_only(signed, sea_data, people, now):
    """Signed by both parties; Dr. Ortiz has accepted the terms, Ben (named) has not."""
    from steward.agreements.services import agreement_accept

    agreement_accept(
        actor=people["ana"],
        version=signed,
        typed_name="Ana Ortiz",
        attest=True,
        at=now - timedelta(days=8),
    )
    signed.grants.exclude(element__dataset__agency_code="sea").delete()
    signed.agreement.refresh_from_db()
    assert signed.people.filter(user=people["ben"]).exists()
    return build(signed.agreement, people)


def test_a_named_researcher_who_has_not_accepted_the_terms_gets_nothing(
    ana_accepted_only, people, client_for
):
    extract_file = _file(ana_accepted_only)
    assert download_link(actor=people["ana"], extract_file=extract_file, fmt="csv")
    with pytest.raises(PermissionDenied):
        download_link(actor=people["ben"], extract_file=extract_file, fmt="csv")
    with pytest.raises(PermissionDenied):
        extract_download(actor=people["ben"], extract_file=extract_file, fmt="csv")
    _refusal_of(people["ben"], extract_file)

    ben = client_for("ben")
    response = ben.post(
        f"/extracts/{ana_accepted_only.pk}/files/{extract_file.pk}/link/", {"format": "csv"}
    )
    assert response.status_code == 403
    assert "Location" not in response
    assert not Download.objects.filter(user=people["ben"], outcome="delivered").exists()


def test_a_named_researcher_whose_training_lapsed_cannot_use_the_link_they_were_given(
    ready, people, client_for
):
    extract_file = _file(ready)
    token = download_link(actor=people["ben"], extract_file=extract_file, fmt="csv")
    TrainingCompletion.objects.filter(user=people["ben"]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client_for("ben").get(f"/extracts/download/{token}/")
    assert response.status_code == 403
    assert not response.streaming
    assert "attachment" not in response.get("Content-Disposition", "")
    assert b"Download refused" in response.content
    assert b"does not let you receive this file now" in response.content
    refused = _refusal_of(people["ben"], extract_file)
    assert not Download.objects.filter(outcome="delivered").exists()

    with pytest.raises(PermissionDenied):
        download_link(actor=people["ben"], extract_file=extract_file, fmt="csv")
    with pytest.raises(PermissionDenied):
        extract_download(actor=people["ben"], extract_file=extract_file, fmt="csv")
    assert Download.objects.filter(user=people["ben"], outcome="refused").count() == 2
    assert AuditEntry.objects.filter(action="extracts.download_refused").count() == 2
    assert refused.user == people["ben"]
    # Dr. Ortiz, still trained, receives the same file.
    delivered = extract_download(actor=people["ana"], extract_file=extract_file, fmt="csv")
    assert delivered.download.outcome == "delivered"
