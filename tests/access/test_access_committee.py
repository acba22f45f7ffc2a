"""The Research Review Committee itself: each member carries one of the six perspectives, shown
wherever members are listed or their votes weighed; the rules never let one person decide."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.access import selectors, services
from steward.access.demo import vote
from steward.access.models import CommitteeMember, CommitteeRules, Perspective, Vote
from steward.accounts.roles import Role
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def full_committee(committee, people):
    """The demo's four members, plus Tom (IT and security) and a legislative staffer."""
    from steward.accounts.services import role_grant, user_create

    role_grant(actor=None, user=people["tom"], role=Role.COMMITTEE)
    services.committee_member_set(
        actor=people["alex"], user=people["tom"], perspective=Perspective.SECURITY
    )
    staffer = user_create(
        actor=None,
        email="june.ellis@legislature.example",
        full_name="June Ellis",
        title="Education committee staff, Lakeland Legislature",
    )
    role_grant(actor=None, user=staffer, role=Role.COMMITTEE)
    services.committee_member_set(
        actor=people["alex"], user=staffer, perspective=Perspective.LEGISLATIVE
    )
    return people


def test_the_committee_brings_exactly_the_six_perspectives():
    assert Perspective.choices == [
        ("legal", "Legal"),
        ("security", "IT and security"),
        ("policy", "Policy"),
        ("research", "Research"),
        ("district", "District"),
        ("legislative", "Legislative"),
    ]


def test_each_member_is_listed_with_their_perspective(full_committee, client_for):
    profiles = {
        user.full_name: profile.get_perspective_display()
        for user, profile in selectors.committee_members()
    }
    assert profiles == {
        "Grace Liu": "Policy",
        "Samuel Brooks": "Legal",
        "Hannah Weiss": "District",
        "Omar Haddad": "Research",
        "Tom Becker": "IT and security",
        "June Ellis": "Legislative",
    }
    text = _text(client_for("maya").get("/committee/"))
    for name, label in profiles.items():
        assert re.search(rf"<li>{name}[^<]*: {label}", text), (name, label)
    assert re.search(r"<li>Grace Liu[^<]*: Policy \(research office\)</li>", text)
    assert "perspective not set" not in text


def test_setting_a_member_refuses_a_perspective_the_committee_does_not_have(committee, people):
    before = CommitteeMember.objects.get(user=people["samuel"]).perspective
    with pytest.raises(ValidationError, match="Choose one of the committee's perspectives"):
        services.committee_member_set(actor=None, user=people["samuel"], perspective="astrology")
    assert CommitteeMember.objects.get(user=people["samuel"]).perspective == before
    assert not CommitteeMember.objects.filter(user=people["tom"]).exists()
    with pytest.raises(ValidationError):
        services.committee_member_set(actor=None, user=people["tom"], perspective="")
    assert not CommitteeMember.objects.filter(user=people["tom"]).exists()


def test_the_chair_sees_each_voters_perspective_beside_their_vote(in_committee, client_for):
    vote(in_committee, ["samuel", "hannah", "omar"], Vote.APPROVE)
    text = _text(client_for("grace").get(f"/requests/{in_committee.pk}/decide/"))
    for name, label in (
        ("Samuel Brooks", "Legal"),
        ("Hannah Weiss", "District"),
        ("Omar Haddad", "Research"),
    ):
        assert f'<th scope="row">{name}</th><td>{label}</td>' in text


def _rules() -> tuple[int, int, bool]:
    rules = CommitteeRules.objects.get(pk=selectors.committee_rules().pk)
    return rules.quorum, rules.minimum_approvals, rules.require_outside_approval


@pytest.mark.parametrize(
    ("quorum", "minimum_approvals"), [(1, 1), (1, 2), (3, 1), (2, 1), (0, 0), (-1, 2)]
)
def test_the_rules_never_let_a_single_member_decide(quorum, minimum_approvals, committee, people):
    before = _rules()
    audited = AuditEntry.objects.filter(action="committee.rules_changed").count()
    with pytest.raises(ValidationError, match="must each be at least 2"):
        services.committee_rules_update(
            actor=people["grace"],
            quorum=quorum,
            minimum_approvals=minimum_approvals,
            require_outside_approval=not before[2],
        )
    assert _rules() == before
    assert AuditEntry.objects.filter(action="committee.rules_changed").count() == audited


def test_minimum_approvals_cannot_exceed_the_quorum(committee, people):
    before = _rules()
    with pytest.raises(ValidationError, match="cannot exceed the quorum"):
        services.committee_rules_update(
            actor=people["grace"], quorum=3, minimum_approvals=4, require_outside_approval=True
        )
    assert _rules() == before


def test_the_chair_changes_the_rules_and_the_change_is_audited(committee, people):
    services.committee_rules_update(
        actor=people["grace"], quorum=4, minimum_approvals=3, require_outside_approval=False
    )
    assert _rules() == (4, 3, False)
    entry = AuditEntry.objects.filter(action="committee.rules_changed").get()
    assert entry.actor_id == people["grace"].pk
    assert entry.summary == {
        "quorum": 4,
        "minimum_approvals": 3,
        "require_outside_approval": False,
    }


def test_only_the_chair_or_an_administrator_changes_the_rules(committee, people):
    before = _rules()
    for key in ("samuel", "maya", "ana"):
        with pytest.raises(PermissionDenied):
            services.committee_rules_update(
                actor=people[key], quorum=4, minimum_approvals=3, require_outside_approval=True
            )
    assert _rules() == before


def test_the_rules_page_refuses_a_quorum_of_one_with_a_clear_error(committee, client_for):
    before = _rules()
    response = client_for("grace").post(
        "/committee/", {"quorum": "1", "minimum_approvals": "1", "require_outside_approval": "on"}
    )
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 2." in _text(response)
    assert _rules() == before
    assert not AuditEntry.objects.filter(action="committee.rules_changed").exists()
    saved = client_for("grace").post("/committee/", {"quorum": "4", "minimum_approvals": "2"})
    assert saved.status_code == 302
    assert _rules() == (4, 2, False)
