"""Research use of a published finding: the research office attaches a recorded use or records
a new one against the finding, asks district contacts periodically (a daily job mails each due
contact a new form link), and confirms their answers before they are public."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from steward.core.models import AuditEntry
from steward.outputs.findings_services import (
    finding_use_decide,
    finding_use_record,
    finding_use_report,
    research_use_attach,
)
from steward.outputs.findings_surveys import use_survey_create, use_surveys_send
from steward.outputs.models import UseInvitation, UseSurvey
from steward.portal.models import ResearchUse

from .matrix_review import _story

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(people):
    return _story({"people": people}, "published")


def _citation(**extra) -> ResearchUse:
    fields = {
        "kind": "citation",
        "description": "Cited in the Board's attendance report.",
        "used_by": "Lakeland P-20W Data Governance Board",
        "used_on": date(2026, 10, 1),
        "source": "Board report 2026-14",
        **extra,
    }
    return ResearchUse.objects.create(**fields)


def _last_action() -> str:
    return AuditEntry.objects.order_by("-seq").first().action


def test_the_research_office_attaches_a_recorded_use_and_it_shows_on_the_finding_page(
    client_for, people, finding
):
    use = _citation()
    maya = client_for("maya")
    page = maya.get(reverse("outputs:finding_uses", args=[finding.pk])).content.decode()
    assert "Citation: Lakeland P-20W Data Governance Board" in page  # offered for attaching
    response = maya.post(reverse("outputs:finding_use_attach", args=[finding.pk]), {"use": use.pk})
    assert response.status_code == 302
    use.refresh_from_db()
    assert use.finding == finding and use.project == finding.project
    assert _last_action() == "research_use.attached"
    public = client_for(None).get(reverse("outputs:finding", args=[finding.pk])).content.decode()
    assert "Cited in the Board" in public


def test_a_use_of_another_project_or_already_attached_cannot_be_attached(people, finding):
    other = _story({"people": people}, "published")
    attached = _citation()
    research_use_attach(actor=people["maya"], use=attached, finding=other)
    with pytest.raises(ValidationError, match="another project"):
        research_use_attach(actor=people["maya"], use=attached, finding=finding)
    loose = _citation()
    research_use_attach(actor=people["maya"], use=loose, finding=finding)
    loose.finding = None  # a stale copy: the database says it is attached already
    with pytest.raises(ValidationError, match="already tied"):
        research_use_attach(actor=people["maya"], use=loose, finding=finding)


def test_only_the_research_office_records_a_use_against_a_finding(people, finding):
    with pytest.raises(PermissionDenied):
        finding_use_record(
            actor=people["ana"],
            finding=finding,
            kind="policy",
            description="A policy.",
            used_by="The Board",
            used_on=date(2026, 10, 1),
            source="Minutes",
        )
    use = finding_use_record(
        actor=people["maya"],
        finding=finding,
        kind="policy",
        description="The Board changed its attendance policy.",
        used_by="Lakeland State Board",
        used_on=date(2026, 10, 1),
        source="Minutes, October 2026",
    )
    assert use.finding == finding and use.recorded_by == people["maya"]
    assert _last_action() == "research_use.recorded"


def test_a_use_cannot_be_recorded_against_a_finding_that_is_not_published(people):
    draft = _story({"people": people}, "draft")
    with pytest.raises(ValidationError, match="published"):
        finding_use_record(
            actor=people["maya"],
            finding=draft,
            kind="citation",
            description="Cited.",
            used_by="A journal",
            used_on=date(2026, 10, 1),
            source="Vol. 3",
        )


def test_the_daily_ask_mails_each_due_contact_a_new_link_once(
    people, finding, django_capture_on_commit_callbacks
):
    today = date(2027, 3, 1)
    use_survey_create(
        actor=people["maya"],
        finding=finding,
        district_name="Harbor City Public Schools",
        contact_email="Research@HarborCity.example",
        every_days=180,
        first_ask_on=today,
    )
    use_survey_create(
        actor=people["maya"],
        finding=finding,
        district_name="Lakeshore Schools",
        contact_email="office@lakeshore.example",
        first_ask_on=today + timedelta(days=10),  # not due yet
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = use_surveys_send(today=today)
        again = use_surveys_send(today=today)
    assert counts == {"asked": 1, "findings": 1} and again == {"asked": 0, "findings": 0}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["research@harborcity.example"]
    invitation = UseInvitation.objects.get(survey__district_name="Harbor City Public Schools")
    assert reverse("outputs:use_report", args=[invitation.token]) in message.body
    survey = invitation.survey
    assert survey.last_asked_on == today and survey.next_ask_on == today + timedelta(days=180)
    assert _last_action() == "outputs.use_surveys_sent"
    with django_capture_on_commit_callbacks(execute=True):
        use_surveys_send(today=today + timedelta(days=180))
    assert len(mail.outbox) == 3  # Harbor City again, Lakeshore for the first time
    assert len({m.body for m in mail.outbox}) == 3  # every ask is a new link


def test_a_stopped_or_unpublished_ask_mails_nothing(people, finding):
    survey = use_survey_create(
        actor=people["maya"],
        finding=finding,
        district_name="Harbor City Public Schools",
        contact_email="research@harborcity.example",
    )
    survey.active = False
    survey.save()
    assert use_surveys_send(today=date.today()) == {"asked": 0, "findings": 0}
    with pytest.raises(ValidationError):
        use_survey_create(
            actor=people["maya"],
            finding=_story({"people": people}, "draft"),
            district_name="X",
            contact_email="x@example.org",
        )


def test_the_command_runs_the_ask_as_a_job(people, finding, capsys):
    use_survey_create(
        actor=people["maya"],
        finding=finding,
        district_name="Harbor City Public Schools",
        contact_email="research@harborcity.example",
        first_ask_on=date(2027, 1, 5),
    )
    call_command("findings", "ask", "--date", "2027-01-05")
    assert "Districts asked: 1; findings: 1." in capsys.readouterr().out


def test_an_answer_through_a_mailed_link_waits_for_the_research_office(client_for, people, finding):
    use_survey_create(
        actor=people["maya"],
        finding=finding,
        district_name="Harbor City Public Schools",
        contact_email="research@harborcity.example",
    )
    use_surveys_send(today=date.today())
    invitation = UseInvitation.objects.get(survey__isnull=False)
    visitor = client_for(None)
    form = visitor.get(reverse("outputs:use_report", args=[invitation.token])).content.decode()
    assert "The research office reads your answer" in form
    answer = {
        "kind": "district",
        "description": "We redesigned our attendance outreach.",
        "used_on": "2026-09-01",
        "source": "Board minutes",
    }
    response = visitor.post(reverse("outputs:use_report", args=[invitation.token]), answer)
    assert response.status_code == 303
    assert not ResearchUse.objects.filter(finding=finding).exists()  # not public yet
    assert _last_action() == "research_use.reported_for_confirmation"
    again = visitor.post(reverse("outputs:use_report", args=[invitation.token]), answer)
    assert again.status_code == 400  # a mailed link is answered once
    maya = client_for("maya")
    page = maya.get(reverse("outputs:finding_uses", args=[finding.pk])).content.decode()
    assert "We redesigned our attendance outreach." in page
    maya.post(reverse("outputs:finding_use_decide", args=[invitation.pk]), {"decision": "confirm"})
    use = ResearchUse.objects.get(finding=finding)
    assert use.used_by == "Harbor City Public Schools" and use.recorded_by == people["maya"]
    assert _last_action() == "research_use.confirmed"
    public = client_for(None).get(reverse("outputs:finding", args=[finding.pk])).content.decode()
    assert "We redesigned our attendance outreach." in public


def test_a_declined_answer_never_enters_the_public_log(people, finding):
    use_survey_create(
        actor=people["maya"],
        finding=finding,
        district_name="Harbor City Public Schools",
        contact_email="research@harborcity.example",
    )
    use_surveys_send(today=date.today())
    invitation = UseInvitation.objects.get(survey__isnull=False)
    finding_use_report(
        actor=None,
        invitation=invitation,
        kind="district",
        description="Spam text.",
        used_on=date(2026, 9, 1),
        source="",
    )
    invitation.refresh_from_db()
    with pytest.raises(PermissionDenied):
        finding_use_decide(actor=people["ana"], invitation=invitation, confirm=True)
    assert finding_use_decide(actor=people["maya"], invitation=invitation, confirm=False) is None
    assert not ResearchUse.objects.filter(finding=finding).exists()
    with pytest.raises(ValidationError):
        finding_use_decide(actor=people["maya"], invitation=invitation, confirm=True)


def test_a_link_the_office_made_by_hand_still_goes_straight_to_the_log(people, finding):
    from steward.outputs.findings_services import use_invitation_create

    invitation = use_invitation_create(
        actor=people["maya"], finding=finding, district_name="Harbor City Public Schools"
    )
    use = finding_use_report(
        actor=None,
        invitation=invitation,
        kind="district",
        description="Used in outreach.",
        used_on=date(2026, 9, 1),
        source="",
    )
    assert use is not None and use.finding == finding


def test_the_ask_form_refuses_a_bad_address_and_too_short_a_period(client_for, finding):
    response = client_for("maya").post(
        reverse("outputs:finding_survey_create", args=[finding.pk]),
        {"district_name": "Harbor City", "contact_email": "not-an-address", "every_days": "7"},
    )
    assert response.status_code == 400
    assert not UseSurvey.objects.exists()
    assert re.search(r"Enter a valid email address", response.content.decode())
