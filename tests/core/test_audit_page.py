from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from django.urls import reverse

from steward.core.audit import audit_record
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_privacy_officer_filters_the_audit_log(client_for, people):
    with transaction.atomic():
        audit_record(actor=people["rosa"], action="dataset.ingested", object_type="catalog.x")
        audit_record(actor=people["daniel"], action="request.screened", object_type="access.y")
    page = client_for("priya").get(reverse("core:audit_log"), {"action": "dataset."})
    body = page.content.decode()
    assert "dataset.ingested" in body
    assert "request.screened" not in body


def test_a_bad_date_filter_is_explained(client_for):
    page = client_for("priya").get(reverse("core:audit_log"), {"since": "yesterday"})
    assert page.status_code == 200
    assert "must be a date" in page.content.decode()


def test_csv_export_lists_entries_and_is_itself_audited(client_for, people):
    with transaction.atomic():
        audit_record(actor=people["rosa"], action="dataset.ingested", object_type="catalog.x")
    response = client_for("tom").get(reverse("core:audit_log"), {"format": "csv"})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["seq", "created_at", "actor", "action"]
    assert any(row[3] == "dataset.ingested" for row in rows[1:])
    latest = AuditEntry.objects.order_by("-seq").first()
    assert latest.action == "audit_log.exported"
    assert latest.actor_id == people["tom"].pk


def test_audit_page_query_count_does_not_grow_with_entries(
    client_for, people, django_assert_max_num_queries
):
    with transaction.atomic():
        for index in range(40):
            audit_record(actor=people["rosa"], action="test.bulk", object_id=index)
    client = client_for("priya")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("core:audit_log")).status_code == 200
