"""A request from draft to decision through its services: completeness, screening, each agency's
sign-off, the committee's rules, the training gate, outcomes and denial reports."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.access import selectors, services
from steward.access.demo import ORTIZ_TITLE, complete_request, element, vote
from steward.access.models import (
    DataRequest,
    Decision,
    DenialReport,
    RequestedElement,
    Status,
    StatusChange,
    TrainingCompletion,
    Vote,
)
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _approved_ids(data_request: DataRequest) -> list[int]:
    return list(
        data_request.elements.filter(signoff=RequestedElement.Signoff.APPROVED).values_list(
            "pk", flat=True
        )
    )


def _messages(error: pytest.ExceptionInfo) -> str:
    return " | ".join(error.value.messages)


def test_submitting_an_empty_draft_names_every_missing_item(committee):
    draft = services.request_create(actor=committee["ana"], project_title="")
    with pytest.raises(ValidationError) as error:
        services.request_submit(actor=committee["ana"], data_request=draft)
    text = _messages(error)
    for item in (
        "Project title is missing",
        "Purpose is missing",
        "Research questions is missing",
        "Link to the research agenda is missing",
        "FERPA exception claimed is missing",
        "IRB protocol number is missing",
        "IRB letter (PDF) is not uploaded",
        "Data security plan is missing",
        "Publication and dissemination plan is missing",
        "start and end dates are missing",
        "No data elements are requested",
    ):
        assert item in text
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_an_irb_letter_for_another_title_and_inconsistent_items_are_named(trained):
    draft = complete_request(
        actor=trained["ana"],
        title=ORTIZ_TITLE,
        irb_project_title="A different study",
        irb_expires_on=timezone.localdate() - timedelta(days=1),
        linkage_needed=False,
    )
    problems = services.request_problems(draft)
    assert any("does not match the project title" in p for p in problems)
    assert any("IRB approval expired" in p for p in problems)
    assert any("more than one agency but linkage is not asked for" in p for p in problems)


def test_an_element_without_justification_or_population_is_named(trained):
    draft = complete_request(actor=trained["ana"], title=ORTIZ_TITLE)
    draft.elements.filter(element__name="days_absent").update(
        justification="", grades="", cohorts=""
    )
    problems = services.request_problems(draft)
    assert "sea/attendance.days_absent: say why the study needs it (minimum necessary)." in problems
    assert "sea/attendance.days_absent: give the population (grades or cohorts)." in problems


def test_only_registered_people_can_be_named(draft, people):
    with pytest.raises(ValidationError, match="must register first"):
        services.request_person_add(
            actor=people["ana"], data_request=draft, email="stranger@example.org", role="analyst"
        )


def test_a_researcher_outside_the_team_cannot_edit_the_draft(draft, people):
    with pytest.raises(PermissionDenied):
        services.request_update(
            actor=people["lena"], data_request=draft, fields={"purpose": "Mine now"}
        )


def test_the_liaison_returns_a_request_with_comments_and_the_resubmission_shows_its_changes(
    draft, people
):
    ana, maya = people["ana"], people["maya"]
    services.request_submit(actor=ana, data_request=draft)
    services.request_screening_start(actor=maya, data_request=draft)
    with pytest.raises(ValidationError, match="Say what the requester must change"):
        services.request_screen(actor=maya, data_request=draft, checklist={}, passed=False)
    services.request_screen(
        actor=maya, data_request=draft, checklist={}, passed=False, comments="Narrow the years."
    )
    assert draft.status == Status.RETURNED
    services.request_update(
        actor=ana, data_request=draft, fields={"purpose": "A narrower purpose."}
    )
    item = draft.elements.get(element__name="english_learner")
    services.request_element_remove(actor=ana, item=item)
    services.request_submit(actor=ana, data_request=draft)
    assert (draft.status, draft.version) == (Status.SUBMITTED, 2)
    (diff,) = selectors.version_diffs(draft)
    assert (
        "purpose",
        "Answer a high-priority question of the state's research agenda.",
        "A narrower purpose.",
    ) in diff.fields
    assert diff.removed == ["sea/enrollment.english_learner"]


def test_passing_screening_needs_every_checklist_item(draft, people):
    services.request_submit(actor=people["ana"], data_request=draft)
    services.request_screening_start(actor=people["maya"], data_request=draft)
    with pytest.raises(ValidationError, match="Tick every item"):
        services.request_screen(
            actor=people["maya"], data_request=draft, checklist={"purpose": True}, passed=True
        )


def test_a_steward_cannot_sign_off_elements_of_another_agency(draft, people):
    from steward.access.demo import to_signoff

    to_signoff(draft, author=people["ana"])
    with pytest.raises(PermissionDenied):
        services.signoff_record(actor=people["victor"], data_request=draft, decisions={})
    sea_item = draft.elements.filter(agency=people["daniel"].steward_agency).first()
    with pytest.raises(PermissionDenied):
        services.signoff_record(
            actor=people["rosa"], data_request=draft, decisions={sea_item.pk: (True, "")}
        )


def test_declining_needs_a_reason_and_partial_approval_narrows_what_goes_forward(
    in_committee, people
):
    declined = in_committee.elements.get(element__name="birth_date")
    assert declined.signoff == RequestedElement.Signoff.DECLINED
    assert in_committee.status == Status.COMMITTEE
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.APPROVE)
    with pytest.raises(ValidationError, match="Only elements the agencies approved"):
        services.decision_record(
            actor=people["grace"],
            data_request=in_committee,
            outcome="approved",
            rationale="Sound.",
            granted_ids=[declined.pk],
        )


def test_a_decline_without_reason_is_refused(draft, people):
    from steward.access.demo import to_signoff

    to_signoff(draft, author=people["ana"])
    items = draft.elements.filter(agency=people["rosa"].steward_agency)
    with pytest.raises(ValidationError, match="give the reason for declining"):
        services.signoff_record(
            actor=people["rosa"],
            data_request=draft,
            decisions={item.pk: (False, "") for item in items},
        )


def test_when_every_agency_declines_everything_the_request_is_denied(draft, people):
    from steward.access.demo import sign_all, to_signoff

    to_signoff(draft, author=people["ana"])
    names = draft.elements.values_list("element__name", flat=True)
    sign_all(draft, decline=dict.fromkeys(names, "Not for this purpose."))
    assert draft.status == Status.DENIED
    assert draft.decisions.get().reason_categories == ["agency_declined"]
    assert DenialReport.objects.filter(request=draft).exists()


def test_a_single_member_can_never_decide(in_committee, people):
    vote(in_committee, ["omar"], Vote.APPROVE)
    with pytest.raises(ValidationError) as error:
        services.decision_record(
            actor=people["grace"],
            data_request=in_committee,
            outcome="approved",
            rationale="Sound.",
            granted_ids=_approved_ids(in_committee),
        )
    assert "Quorum not met: 1 of 3 votes" in _messages(error)
    assert "no one decides alone" in _messages(error)
    assert not Decision.objects.filter(request=in_committee).exists()


def test_the_outcome_needs_the_minimum_number_of_votes_for_it(in_committee, people):
    vote(in_committee, ["samuel"], Vote.APPROVE)
    vote(in_committee, ["hannah", "omar"], Vote.DENY)
    with pytest.raises(ValidationError, match="“Approve” has 1 votes; the rules need 2"):
        services.decision_record(
            actor=people["grace"],
            data_request=in_committee,
            outcome="approved",
            rationale="Sound.",
            granted_ids=_approved_ids(in_committee),
        )


def test_an_approval_needs_a_member_from_outside_the_research_office(in_committee, people):
    from steward.access.models import CommitteeMember

    CommitteeMember.objects.update(in_research_office=True)
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.APPROVE)
    with pytest.raises(ValidationError, match="outside the research office"):
        services.decision_record(
            actor=people["grace"],
            data_request=in_committee,
            outcome="approved",
            rationale="Sound.",
            granted_ids=_approved_ids(in_committee),
        )


def test_a_recused_member_cannot_vote_and_a_recused_chair_cannot_decide(in_committee, people):
    services.conflict_declare(
        actor=people["hannah"],
        data_request=in_committee,
        has_conflict=True,
        description="My district is a partner of the study.",
    )
    with pytest.raises(PermissionDenied):
        vote(in_committee, ["hannah"], Vote.APPROVE)
    services.conflict_declare(
        actor=people["grace"],
        data_request=in_committee,
        has_conflict=True,
        description="I supervised the PI.",
    )
    vote(in_committee, ["samuel", "omar"], Vote.APPROVE)
    with pytest.raises(ValidationError) as error:
        services.decision_record(
            actor=people["grace"],
            data_request=in_committee,
            outcome="approved",
            rationale="Sound.",
            granted_ids=_approved_ids(in_committee),
        )
    assert "You declared a conflict of interest" in _messages(error)
    assert "Quorum not met: 2 of 3" in _messages(error)


def test_a_member_must_declare_before_voting(in_committee, people):
    from steward.access.models import CRITERIA

    with pytest.raises(ValidationError, match="Declare whether you have a conflict"):
        services.review_record(
            actor=people["omar"],
            data_request=in_committee,
            scores={key: 3 for key, _ in CRITERIA},
            vote="approve",
            rationale="Fine.",
        )


def test_approval_is_refused_while_anyone_named_lacks_training_and_names_them(in_committee, people):
    TrainingCompletion.objects.filter(user=people["ben"]).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.APPROVE)
    with pytest.raises(ValidationError, match="training is missing or expired for: Ben Carter"):
        services.decision_record(
            actor=people["grace"],
            data_request=in_committee,
            outcome="approved",
            rationale="Sound.",
            granted_ids=_approved_ids(in_committee),
        )
    assert in_committee.status == Status.COMMITTEE


def test_the_chair_approves_granting_less_than_asked(in_committee, people):
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.APPROVE)
    granted = _approved_ids(in_committee)[:3]
    before = AuditEntry.objects.count()
    services.decision_record(
        actor=people["grace"],
        data_request=in_committee,
        outcome="approved",
        rationale="Aligned with the agenda.",
        conditions="Cells of 10 or more.",
        granted_ids=granted,
    )
    assert AuditEntry.objects.count() == before + 1
    assert in_committee.status == Status.APPROVED
    assert sorted(
        in_committee.elements.filter(granted=True).values_list("pk", flat=True)
    ) == sorted(granted)
    assert in_committee.decided_at is not None
    assert not DenialReport.objects.exists()


def test_a_denial_of_a_request_with_valid_irb_approval_publishes_a_report(in_committee, people):
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.DENY)
    with pytest.raises(ValidationError, match="at least one reason category"):
        services.decision_record(
            actor=people["grace"], data_request=in_committee, outcome="denied", rationale="No."
        )
    services.decision_record(
        actor=people["grace"],
        data_request=in_committee,
        outcome="denied",
        rationale="Too much for the question.",
        reason_categories=["minimum_necessary"],
    )
    report = DenialReport.objects.get(request=in_committee)
    assert report.project_title == ORTIZ_TITLE
    assert (
        report.requesting_organization == "Lakeland State University, Center for Education Policy"
    )
    assert report.reason_labels == ["More data than the study needs"]


def test_a_denied_request_without_valid_irb_approval_gets_no_public_report(in_committee, people):
    DataRequest.objects.filter(pk=in_committee.pk).update(
        irb_expires_on=timezone.localdate() - timedelta(days=1)
    )
    in_committee.refresh_from_db()
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.DENY)
    services.decision_record(
        actor=people["grace"],
        data_request=in_committee,
        outcome="denied",
        rationale="No.",
        reason_categories=["irb"],
    )
    assert not DenialReport.objects.exists()


def test_revisions_send_the_request_back_and_the_resubmission_is_reviewed_afresh(
    in_committee, people
):
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.REVISE)
    services.decision_record(
        actor=people["grace"],
        data_request=in_committee,
        outcome="revisions",
        rationale="Narrow the college elements.",
    )
    assert in_committee.status == Status.REVISIONS
    services.request_submit(actor=people["ana"], data_request=in_committee)
    assert in_committee.version == 2
    assert not in_committee.elements.exclude(signoff=RequestedElement.Signoff.PENDING).exists()
    assert selectors.vote_tally(in_committee).votes == 0


def _emails(users) -> list[str]:
    return sorted(user.email for user in users)


def test_each_move_mails_whoever_acts_next(draft, people):
    from steward.access.notifications import recipients_for

    team = ["ana@demo.steward.test", "ben@demo.steward.test"]
    assert _emails(recipients_for(draft, Status.SUBMITTED)) == ["maya@demo.steward.test"]
    assert _emails(recipients_for(draft, Status.SIGNOFF)) == [
        "daniel@demo.steward.test",
        "rosa@demo.steward.test",
    ]
    assert _emails(recipients_for(draft, Status.RETURNED)) == team
    assert _emails(recipients_for(draft, Status.COMMITTEE)) == [
        "grace@demo.steward.test",
        "hannah@demo.steward.test",
        "omar@demo.steward.test",
        "samuel@demo.steward.test",
    ]
    assert _emails(recipients_for(draft, "quorum")) == ["grace@demo.steward.test"]
    for outcome in (Status.APPROVED, Status.DENIED, Status.REVISIONS):
        assert _emails(recipients_for(draft, outcome)) == [*team, "maya@demo.steward.test"]


@pytest.mark.parametrize(
    ("outcome", "choice", "subject"),
    [
        ("approved", Vote.APPROVE, "approved"),
        ("denied", Vote.DENY, "denied"),
        ("revisions", Vote.REVISE, "revisions requested"),
    ],
)
def test_the_committee_and_each_outcome_mail_the_people_who_act_next(
    outcome, choice, subject, draft, people, django_capture_on_commit_callbacks
):
    from steward.access.demo import sign_all, to_signoff

    to_signoff(draft, author=people["ana"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign_all(draft)
    assert draft.status == Status.COMMITTEE
    assert sorted(m.to[0] for m in mail.outbox) == [
        "grace@demo.steward.test",
        "hannah@demo.steward.test",
        "omar@demo.steward.test",
        "samuel@demo.steward.test",
    ]
    assert all(m.subject == f"{draft.reference}: committee review" for m in mail.outbox)
    vote(draft, ["samuel", "hannah", "omar"], choice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_record(
            actor=people["grace"],
            data_request=draft,
            outcome=outcome,
            rationale="Weighed.",
            reason_categories=["privacy"] if outcome == "denied" else [],
            granted_ids=_approved_ids(draft) if outcome == "approved" else [],
        )
    assert draft.status == outcome
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@demo.steward.test",
        "ben@demo.steward.test",
        "maya@demo.steward.test",
    ]
    assert all(m.subject == f"{draft.reference}: {subject}" for m in mail.outbox)


def test_mail_goes_out_after_the_commit(draft, people, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(actor=people["ana"], data_request=draft)
    assert [m.to for m in mail.outbox] == [["maya@demo.steward.test"]]
    assert "DR-" in mail.outbox[0].subject
    assert "/requests/waiting/" in mail.outbox[0].body


def test_what_waits_for_each_person(in_committee, people):
    vote(in_committee, ["omar"], Vote.APPROVE)
    waiting = {
        key: [w.what for w in selectors.requests_waiting_for(people[key])]
        for key in ("samuel", "omar", "grace", "lena", "daniel")
    }
    assert waiting["samuel"] == ["Review and vote"]
    assert waiting["omar"] == []
    assert waiting["lena"] == []
    assert waiting["daniel"] == []
    vote(in_committee, ["samuel", "hannah"], Vote.APPROVE)
    assert [w.what for w in selectors.requests_waiting_for(people["grace"])] == [
        "Review and vote",
        "Record the committee's decision",
    ]


def test_the_clock_counts_time_in_each_state(in_committee):
    states = [label for label, _ in selectors.request_clock(in_committee)]
    assert states == ["Draft", "Submitted", "In screening", "Agency sign-off", "Committee review"]


def _backdate(data_request: DataRequest, created: datetime, moves: list[timedelta]) -> None:
    """Put the request's creation and each of its moves at known times."""
    DataRequest.objects.filter(pk=data_request.pk).update(created_at=created)
    changes = list(StatusChange.objects.filter(request=data_request).order_by("at", "pk"))
    assert len(changes) == len(moves)
    for change, offset in zip(changes, moves, strict=True):
        StatusChange.objects.filter(pk=change.pk).update(at=created + offset)
    data_request.refresh_from_db()


def test_the_clock_measures_the_time_spent_in_each_state(in_committee, people):
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.APPROVE)
    services.decision_record(
        actor=people["grace"],
        data_request=in_committee,
        outcome="approved",
        rationale="Sound.",
        granted_ids=_approved_ids(in_committee),
    )
    created = timezone.now() - timedelta(days=40)
    days = [2, 3, 5.25, 9.25, 15]  # submitted, screening, sign-off, committee, approved
    _backdate(in_committee, created, [timedelta(days=d) for d in days])
    assert selectors.request_clock(in_committee) == [
        ("Draft", timedelta(days=2)),
        ("Submitted", timedelta(days=1)),
        ("In screening", timedelta(days=2, hours=6)),
        ("Agency sign-off", timedelta(days=4)),
        ("Committee review", timedelta(days=5, hours=18)),
        ("Approved", timedelta(0)),  # a decision stops the clock
    ]


def test_the_clock_counts_the_current_state_until_now_and_adds_up_returns(draft, people):
    ana, maya = people["ana"], people["maya"]
    services.request_submit(actor=ana, data_request=draft)
    services.request_screening_start(actor=maya, data_request=draft)
    services.request_screen(
        actor=maya, data_request=draft, checklist={}, passed=False, comments="Narrow the years."
    )
    services.request_submit(actor=ana, data_request=draft)
    created = timezone.now() - timedelta(days=20)
    # submitted day 1, screening day 2, returned day 4, resubmitted day 7
    _backdate(draft, created, [timedelta(days=d) for d in (1, 2, 4, 7)])
    before = timezone.now()
    clock = dict(selectors.request_clock(draft))
    after = timezone.now()
    assert list(clock) == ["Draft", "Submitted", "In screening", "Returned at screening"]
    assert clock["Draft"] == timedelta(days=1)
    assert clock["In screening"] == timedelta(days=2)
    assert clock["Returned at screening"] == timedelta(days=3)
    # one day before screening, then from the resubmission until now
    resubmitted = created + timedelta(days=7)
    assert timedelta(days=1) + (before - resubmitted) <= clock["Submitted"]
    assert clock["Submitted"] <= timedelta(days=1) + (after - resubmitted)


def test_the_privacy_risk_summary_weighs_levels_linkage_and_what_the_team_holds(
    in_committee, people
):
    risk = selectors.privacy_risk(in_committee)
    assert risk.levels == {1: 1, 3: 7}
    assert risk.direct_identifiers == ["postsecondary/enrollment.birth_date"]
    assert risk.linkage
    assert risk.already_held == []
    assert risk.rating == "moderate"

    earlier = complete_request(actor=people["ben"], title="An earlier study")
    DataRequest.objects.filter(pk=earlier.pk).update(status=Status.APPROVED)
    earlier.elements.filter(element__name="days_absent").update(granted=True)
    risk = selectors.privacy_risk(in_committee)
    assert risk.already_held == [f"sea/attendance.days_absent (from {earlier.reference})"]
    assert "data the team already holds from earlier requests" in risk.reasons


SINGLE = [("sea", "attendance", "days_absent", 2018, 2022, "Chronic absence.")]
NORTHERN = "Pine Lake Elementary (0042001); Birch Hollow School District (0043)"


def test_the_privacy_risk_summary_names_populations_narrowed_to_schools_or_districts(trained):
    ana = trained["ana"]
    narrowed = complete_request(
        actor=ana,
        title="Absence in two northern schools",
        elements=SINGLE,
        linkage_needed=False,
        linkage_description="",
    )
    services.request_element_add(
        actor=ana,
        data_request=narrowed,
        element=element("sea", "enrollment", "grade"),
        first_year=2018,
        last_year=2022,
        grades="6-8",
        schools_or_districts=NORTHERN,
        justification="Places each student in a grade.",
    )
    risk = selectors.privacy_risk(narrowed)
    assert risk.small_populations == [f"sea/enrollment.grade: {NORTHERN}"]
    assert risk.reasons == ["populations narrowed to named schools or districts"]


def test_a_statewide_request_asks_for_no_small_population(trained):
    statewide = complete_request(
        actor=trained["ana"],
        title="Absence statewide",
        elements=SINGLE,
        linkage_needed=False,
        linkage_description="",
    )
    assert statewide.elements.get().schools_or_districts == ""
    risk = selectors.privacy_risk(statewide)
    assert risk.small_populations == []
    assert "populations narrowed to named schools or districts" not in risk.reasons
    assert risk.rating == "low"


@pytest.mark.parametrize(("days_ago", "lapsed"), [(364, False), (366, True)])
def test_privacy_training_counts_for_twelve_months(days_ago, lapsed, in_committee, people):
    from steward.access.demo import training_seed

    ben, grace = people["ben"], people["grace"]
    TrainingCompletion.objects.filter(user=ben).delete()
    training_seed(ben, completed_at=timezone.now() - timedelta(days=days_ago))
    assert (ben in selectors.people_without_training(in_committee)) is lapsed
    assert (selectors.training_valid_until(ben) is None) is lapsed
    assert people["ana"] not in selectors.people_without_training(in_committee)
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.APPROVE)
    problems = services.decision_problems(
        in_committee,
        actor=grace,
        outcome="approved",
        rationale="Sound.",
        reason_categories=[],
        granted_ids=_approved_ids(in_committee),
    )
    named = "Privacy training is missing or expired for: Ben Carter."
    assert problems == ([named] if lapsed else [])
