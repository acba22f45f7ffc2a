"""The agreement pages and API: the public register names no person, list pages cost the same
queries for many agreements, and the browser-facing steps call the same services."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from steward.agreements.demo import ferpa_all

pytestmark = pytest.mark.django_db


def test_the_public_register_shows_parties_purpose_categories_term_and_disposition(
    active, client_for
):
    page = client_for(None).get(reverse("agreements:register"))
    assert page.status_code == 200
    text = page.content.decode()
    assert active.reference in text
    assert "Lakeland State University, Center for Education Policy" in text
    assert "Lakeland Higher Education Commission" in text
    assert "Attendance" in text  # a data category (dataset), not an element list
    assert "In use; destroy due 30 days after the end" in text
    for person in ("Ortiz", "Carter", "Grace Liu", "Maya Chen", "demo.steward.test"):
        assert person not in text


def test_the_register_leaves_out_drafts_and_agreements_out_for_signature(
    out_for_signature, client_for
):
    text = client_for(None).get(reverse("agreements:register")).content.decode()
    assert out_for_signature.reference not in text


def _another_active(people, project, approved_factory):
    from steward.agreements import services

    agreement = services.agreement_draft(
        actor=people["maya"],
        data_request=approved_factory(),
        project=project,
        sea_signer=people["grace"],
        organization_signer=people["ana"],
    )
    services.agreement_update(
        actor=people["maya"], agreement=agreement, fields={}, ferpa_checklist=ferpa_all()
    )
    version = services.agreement_send_for_signature(actor=people["maya"], agreement=agreement)
    for key in ("grace", "ana"):
        services.agreement_sign(
            actor=people[key], version=version, typed_name=people[key].full_name, attest=True
        )
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def approved_factory(trained):
    from steward.agreements.demo import SHORT, approved_request

    count = iter(range(100))
    return lambda: approved_request(
        title=f"Another study {next(count)}", elements=SHORT, ana=trained["ana"], ben=trained["ben"]
    )


@pytest.mark.parametrize("persona", [None, "maya"])
def test_list_pages_cost_the_same_queries_for_many_agreements(
    active, people, project, approved_factory, client_for, persona
):
    name = "agreements:register" if persona is None else "agreements:list"
    client = client_for(persona)
    client.get(reverse(name))  # the first page fills the footer's cache
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(name)).status_code == 200
    for _ in range(3):
        _another_active(people, project, approved_factory)
    with CaptureQueriesContext(connection) as four:
        page = client.get(reverse(name))
    assert page.content.decode().count("DSA-") >= 4
    assert len(four) == len(one)


def test_the_agreement_page_warns_of_training_that_expires_soon(active, people, client_for, now):
    from steward.access.models import TrainingCompletion

    TrainingCompletion.objects.filter(user=people["ben"]).update(
        expires_at=now + timedelta(days=25)
    )
    page = client_for("ana").get(reverse("agreements:detail", kwargs={"pk": active.pk}))
    assert b'data-testid="training-soon"' in page.content


def _register_rows(client) -> dict[str, list[str]]:
    """The public register's rows by agreement reference, as the texts of their cells."""
    html = client.get(reverse("agreements:register")).content.decode()
    body = html.split('data-testid="register"', 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in body.split("<tr>")[2:]:  # after the header row
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[cells[0].split()[0]] = cells
    return rows


def _morning(day: date) -> datetime:
    # Six in the morning exists on every day: at two, the spring change to daylight time
    # skips an hour, and a time in that gap never equals itself read back from the database.
    return timezone.make_aware(datetime.combine(day, time(6, 0)))


def test_the_register_lists_past_agreements_expired_and_closed_but_no_draft(
    active, people, project, approved_factory, client_for
):
    from steward.agreements import services

    closing = _another_active(people, project, approved_factory)
    drafted = services.agreement_draft(
        actor=people["maya"],
        data_request=approved_factory(),
        project=project,
        sea_signer=people["grace"],
        organization_signer=people["ana"],
    )
    first_end = active.versions.get().ends_on
    services.agreements_daily(at=_morning(first_end + timedelta(days=1)))
    closing_end = closing.versions.get(status="effective").ends_on
    services.agreements_daily(at=_morning(closing_end + timedelta(days=1)))
    services.certificate_sign(
        actor=people["ana"],
        agreement=closing,
        method="destroy",
        completed_on=closing_end + timedelta(days=2),
        description="Deleted the workspace folder and its backups.",
        typed_name="Ana Ortiz",
        attest=True,
        at=_morning(closing_end + timedelta(days=3)),
    )
    active.refresh_from_db()
    closing.refresh_from_db()
    drafted.refresh_from_db()
    assert (active.status, closing.status, drafted.status) == ("expired", "closed", "draft")

    client = client_for(None)
    rows = _register_rows(client)
    assert sorted(rows) == sorted([active.reference, closing.reference])
    expired, closed = rows[active.reference], rows[closing.reference]
    assert expired[5] == "Expired"
    due = first_end + timedelta(days=30)
    assert expired[6] == f"Awaiting the certificate of destruction by {due:%Y-%m-%d}"
    assert "Lakeland State University, Center for Education Policy" in expired[1]
    assert closed[5] == "Closed"
    certified_on = timezone.localdate(_morning(closing_end + timedelta(days=3)))
    assert closed[6] == f"Data destroyed; certified {certified_on:%Y-%m-%d}"
    assert closed[4].endswith(f"to {closing_end:%Y-%m-%d}")
    text = client.get(reverse("agreements:register")).content.decode()
    assert drafted.reference not in text
    for person in ("Ortiz", "Carter", "Grace Liu", "Maya Chen", "demo.steward.test"):
        assert person not in text


def test_the_pdf_download_is_the_signed_version(active, client_for):
    version = active.versions.get()
    response = client_for("ben").get(
        reverse("agreements:pdf", kwargs={"pk": active.pk, "number": 1})
    )
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert active.reference in text
    assert version.sha256[:16] in text.replace("\n", "")


def test_the_liaison_drafts_edits_and_sends_through_the_pages(
    approved, project, people, client_for
):
    maya = client_for("maya")
    drafted = maya.post(
        reverse("agreements:draft", kwargs={"pk": approved.pk}),
        {
            "project": project.pk,
            "sea_signer": people["grace"].pk,
            "organization_signer": people["ana"].pk,
        },
    )
    assert drafted.status_code == 302
    agreement = approved.agreements.get()
    sent = maya.post(reverse("agreements:send", kwargs={"pk": agreement.pk}), follow=True)
    assert "FERPA checklist" in sent.content.decode()  # refused: nothing confirmed yet
    agreement.refresh_from_db()
    assert agreement.status == "draft"


def test_the_api_gives_the_caller_their_own_grants(active, project, client_for):
    ben = client_for("ben").get(f"/api/agreements/grants/{project.pk}").json()
    assert {(g["agency"], g["element"]) for g in ben["grants"]} >= {("lde", "days_absent")}
    assert ben["matching_allowed"] is True
    lena = client_for("lena").get(f"/api/agreements/grants/{project.pk}").json()
    assert lena["grants"] == [] and lena["matching_allowed"] is False


def test_signing_through_the_api_refuses_an_incomplete_checklist(
    out_for_signature, people, client_for
):
    from steward.agreements.models import AgreementVersion

    AgreementVersion.objects.filter(agreement=out_for_signature).update(ferpa_checklist={})
    response = client_for("grace").post(
        f"/api/agreements/{out_for_signature.pk}/versions/1/sign",
        data=json.dumps({"typed_name": "Grace Liu", "attest": True}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "FERPA checklist" in response.json()["message"]


def test_the_demo_seeds_an_agreement_in_every_state(trained, client_for):
    from steward.access.demo import requests_seed
    from steward.agreements.demo import agreements_seed
    from steward.agreements.models import Agreement

    requests_seed()
    made = agreements_seed()
    assert {agreement.status for agreement in Agreement.objects.all()} == {
        "draft",
        "signature",
        "active",
        "expiring",
        "expired",
        "closed",
    }
    assert agreements_seed() == []  # idempotent
    assert len(made) == Agreement.objects.count() == 6
    expired = Agreement.objects.get(status="expired")
    assert expired.escalated_at is not None
    closeouts = client_for("priya").get(reverse("agreements:closeouts")).content.decode()
    assert expired.reference in closeouts and 'data-testid="overdue"' in closeouts
    detail = client_for("priya").get(reverse("agreements:detail", kwargs={"pk": expired.pk}))
    assert "The certificate of destruction is due by" in detail.content.decode()


def test_the_request_page_offers_the_liaison_to_draft_the_agreement(approved, client_for):
    page = client_for("maya").get(reverse("access:detail", kwargs={"pk": approved.pk}))
    assert reverse("agreements:draft", kwargs={"pk": approved.pk}) in page.content.decode()
    other = client_for("ana").get(reverse("access:detail", kwargs={"pk": approved.pk}))
    assert "Draft the agreement" not in other.content.decode()
