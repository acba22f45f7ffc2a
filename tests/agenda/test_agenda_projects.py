"""The agenda, partnerships and projects: who may change what, status transitions, the
timeline, meetings and actions, and the daily reminder of overdue work."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from steward.agenda import services
from steward.agenda.models import AgendaQuestion, Milestone, Project
from steward.agenda.reminders import reminders_send
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _last_audit() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


@pytest.mark.parametrize("persona", ["ana", "daniel", "priya", "grace", "alex"])
def test_only_the_research_office_sets_the_agenda(people, persona):
    with pytest.raises(PermissionDenied):
        services.question_create(
            actor=people[persona],
            title="T",
            description="D",
            policy_area="P",
            priority=1,
            source="board",
        )
    assert not AgendaQuestion.objects.exists()


def test_a_question_with_an_unknown_source_is_refused_by_field(people):
    with pytest.raises(ValidationError) as refused:
        services.question_create(
            actor=people["maya"],
            title="T",
            description="D",
            policy_area="P",
            priority=1,
            source="rumour",
        )
    assert "source" in refused.value.message_dict


def test_the_agenda_lists_questions_by_priority(client, people):
    for title, priority in [("Low one", 3), ("High one", 1), ("Medium one", 2)]:
        services.question_create(
            actor=people["maya"],
            title=title,
            description="D",
            policy_area="P",
            priority=priority,
            source="board",
        )
    page = client.get(reverse("portal:agenda")).content.decode()
    assert page.index("High one") < page.index("Medium one") < page.index("Low one")


def test_question_status_moves_only_along_allowed_transitions(people, question):
    services.question_set_status(actor=people["maya"], question=question, status="answered")
    assert _last_audit().summary == {"from": "open", "to": "answered"}
    with pytest.raises(ValidationError, match="cannot go"):
        services.question_set_status(actor=people["maya"], question=question, status="open")


def test_a_stale_status_change_loses_the_race(people, question):
    stale = AgendaQuestion.objects.get(pk=question.pk)
    services.question_set_status(actor=people["maya"], question=question, status="in_progress")
    with pytest.raises(ValidationError, match="Someone else"):
        services.question_set_status(actor=people["maya"], question=stale, status="answered")


def test_the_partnership_record_shows_its_roles_and_review_period(client, alliance):
    page = client.get(reverse("portal:partnership", args=[alliance.pk])).content.decode()
    assert "Who decides what is published" in page
    assert "30 days" in page
    assert "Lakeland State University, Center for Education Policy" in page


def test_a_partnership_party_is_added_once(people, alliance):
    from steward.accounts.models import Organization

    lsu = Organization.objects.get(code="lsu-cep")
    with pytest.raises(ValidationError, match="already a party"):
        services.partnership_party_add(
            actor=people["maya"], partnership=alliance, organization=lsu, role="Again"
        )


def test_a_project_liaison_must_be_from_the_research_office(people, alliance):
    with pytest.raises(ValidationError) as refused:
        services.project_create(
            actor=people["maya"],
            partnership=alliance,
            title="T",
            summary="S",
            pi=people["ana"],
            liaison=people["daniel"],
            starts_on=date(2026, 1, 1),
        )
    assert "liaison" in refused.value.message_dict


def test_the_pi_and_the_projects_liaison_edit_it_and_nobody_else(people, project):
    changed = services.project_update(
        actor=people["ana"], project=project, changes={"summary": "Plainer."}
    )
    assert changed == ["summary"]
    assert _last_audit().summary == {"fields": ["summary"]}
    for persona in ["ben", "lena", "daniel", "priya", "alex"]:
        with pytest.raises(PermissionDenied):
            services.project_update(
                actor=people[persona], project=project, changes={"summary": "No."}
            )


def test_another_liaison_does_not_manage_a_project_not_assigned_to_them(people, project):
    from steward.accounts.models import User
    from steward.accounts.roles import Role
    from steward.accounts.services import role_grant

    other = User.objects.create_user("liaison2@demo.steward.test", "x", full_name="Lee Two")
    role_grant(actor=None, user=other, role=Role.LIAISON)
    other = User.objects.get(pk=other.pk)
    with pytest.raises(PermissionDenied):
        services.milestone_add(
            actor=other, project=project, title="Not mine", due_on=date(2026, 5, 1)
        )


def test_the_pi_cannot_reassign_the_liaison(people, project):
    with pytest.raises(PermissionDenied):
        services.project_update(
            actor=people["ana"], project=project, changes={"liaison": people["maya"]}
        )


def test_project_status_follows_the_lifecycle(people, project):
    services.project_set_status(actor=people["ana"], project=project, status="completed")
    for status in ["active", "planned", "withdrawn"]:
        with pytest.raises(ValidationError):
            services.project_set_status(actor=people["maya"], project=project, status=status)
    assert Project.objects.get(pk=project.pk).status == "completed"


def test_an_action_owner_must_be_on_the_project(people, project):
    with pytest.raises(ValidationError) as refused:
        services.meeting_record(
            actor=people["maya"],
            project=project,
            held_on=date(2026, 2, 1),
            attendees="Maya Chen",
            actions=[services.ActionSpec("Do it", people["lena"], date(2026, 2, 8))],
        )
    assert "owner" in refused.value.message_dict
    assert not project.meetings.exists()


def test_a_meeting_is_recorded_with_its_attendees_and_actions_in_one_entry(people, project):
    before = AuditEntry.objects.count()
    meeting = services.meeting_record(
        actor=people["maya"],
        project=project,
        held_on=date(2026, 2, 1),
        attendees="Maya Chen\nDr. Ana Ortiz\n\nBen Carter",
        notes="Agreed the cohorts.",
        actions=[
            services.ActionSpec("Draft the request", people["ana"], date(2026, 2, 8)),
            services.ActionSpec("Check the years", people["maya"], date(2026, 2, 15)),
        ],
    )
    assert meeting.attendee_list == ["Maya Chen", "Dr. Ana Ortiz", "Ben Carter"]
    assert meeting.actions.count() == 2
    assert AuditEntry.objects.count() == before + 1


def test_the_workspace_shows_milestones_meetings_and_overdue_marks(client_for, people, project):
    services.milestone_add(
        actor=people["maya"], project=project, title="Request sent", due_on=date(2020, 1, 1)
    )
    page = client_for("ana").get(reverse("agenda:project", args=[project.pk])).content.decode()
    assert "Request sent" in page and "Overdue" in page
    assert client_for("lena").get(reverse("agenda:project", args=[project.pk])).status_code == 404


def test_the_workspace_form_names_the_field_that_is_wrong(client_for, project):
    response = client_for("maya").post(
        reverse("agenda:milestone_add", args=[project.pk]),
        {"milestone-title": "X", "milestone-due_on": "soon"},
    )
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()
    assert not project.milestones.exists()


# Reminders ----------------------------------------------------------------------------------


def _overdue_work(people, project):
    today = date(2026, 11, 28)
    services.milestone_add(
        actor=people["maya"], project=project, title="Request sent", due_on=today - timedelta(1)
    )
    services.milestone_add(
        actor=people["maya"], project=project, title="Later", due_on=today + timedelta(5)
    )
    services.meeting_record(
        actor=people["maya"],
        project=project,
        held_on=today - timedelta(10),
        attendees="Maya Chen",
        actions=[services.ActionSpec("Check the years", people["maya"], today - timedelta(2))],
    )
    return today


def test_each_owner_gets_one_reminder_of_their_overdue_work(
    people, project, django_capture_on_commit_callbacks
):
    today = _overdue_work(people, project)
    with django_capture_on_commit_callbacks(execute=True):
        counts = reminders_send(today=today)
    assert counts == {"owners": 2, "milestones": 1, "actions": 1}
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"ana@demo.steward.test", "maya@demo.steward.test"}
    assert "Request sent" in by_recipient["ana@demo.steward.test"].body
    assert "Later" not in by_recipient["ana@demo.steward.test"].body
    assert "Check the years" in by_recipient["maya@demo.steward.test"].body
    assert AuditEntry.objects.order_by("-seq").first().action == "agenda.reminders_sent"


def test_a_second_run_the_same_day_sends_nothing(
    people, project, django_capture_on_commit_callbacks
):
    today = _overdue_work(people, project)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=today)
        again = reminders_send(today=today)
    assert again == {"owners": 0, "milestones": 0, "actions": 0}
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=today + timedelta(1))
    assert len(mail.outbox) == 4


def test_completed_work_is_not_reminded(people, project):
    today = _overdue_work(people, project)
    milestone = Milestone.objects.get(title="Request sent")
    services.milestone_complete(actor=people["ana"], milestone=milestone)
    action = project.meetings.get().actions.get()
    services.action_complete(actor=people["maya"], action=action)
    assert reminders_send(today=today) == {"owners": 0, "milestones": 0, "actions": 0}


def test_the_reminders_command_runs_the_job(people, project, capsys):
    _overdue_work(people, project)
    call_command("reminders", "--date", "2026-11-28")
    printed = capsys.readouterr().out
    assert "Overdue milestones: 1; overdue actions: 1; people reminded: 2." in printed
    assert Milestone.objects.get(title="Request sent").reminded_on == date(2026, 11, 28)
