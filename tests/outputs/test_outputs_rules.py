"""The state's disclosure rules: versioned per agency on top of the state default, combined by
taking the strictest of each kind, changed only by the privacy officer, published in plain
language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from steward.core.models import AuditEntry
from steward.outputs.models import DisclosureRuleSet
from steward.outputs.selectors import agencies, rules_in_effect
from steward.outputs.services import rule_set_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def lakeland(people):
    """State default: 10 and rounding to 5; the college commission 16 and zeros published."""
    priya = people["priya"]
    sea, lhec = agencies().get(agency_kind="sea"), agencies().get(agency_kind="postsecondary")
    rule_set_update(actor=priya, agency=None, values={"threshold": 10}, note="state law")
    rule_set_update(
        actor=priya,
        agency=lhec,
        values={"threshold": 16, "zeros_disclosive": False, "rounding_base": 3, "k": 0.8},
        note="small colleges",
    )
    return {"sea": sea, "lhec": lhec}


def test_the_strictest_rule_of_each_kind_applies_where_agencies_feed_one_output(lakeland):
    effect = rules_in_effect([lakeland["sea"], lakeland["lhec"]])
    assert effect.rules.threshold == 16
    assert effect.rules.zeros_disclosive is True  # the state default hides zeros
    assert effect.rules.rounding_base == 15  # a multiple of both 5 and 3
    assert effect.rules.k == 0.8
    assert [(r.scope, r.version) for r in effect.rule_sets] == [("state", 1), ("lhec", 1)]


def test_an_agency_without_rules_of_its_own_follows_the_state_default(lakeland):
    effect = rules_in_effect([lakeland["sea"]])
    assert effect.rules.threshold == 10
    assert effect.labels == ["State default, version 1"]


def test_with_no_rules_configured_the_built_in_defaults_apply():
    effect = rules_in_effect([])
    assert effect.rules.threshold == 10 and effect.labels == ["the built-in defaults"]


def test_a_change_is_a_new_audited_version_and_the_old_one_is_kept(lakeland, people):
    before = AuditEntry.objects.count()
    new = rule_set_update(
        actor=people["priya"], agency=lakeland["lhec"], values={"threshold": 20}, note="tighter"
    )
    assert new.version == 2
    assert DisclosureRuleSet.objects.filter(agency=lakeland["lhec"]).count() == 2
    assert rules_in_effect([lakeland["lhec"]]).rules.threshold == 20
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "outputs.rules_change"
    assert entry.summary["changed"]["threshold"] == [16, 20]
    assert entry.summary["changed"]["k"] == ["0.8", "0.9"]


def test_rules_that_cannot_be_used_are_refused_naming_the_rule(people):
    with pytest.raises(ValidationError, match="rate_low must be below rate_high"):
        rule_set_update(
            actor=people["priya"], agency=None, values={"rate_low": 0.9, "rate_high": 0.5}
        )
    assert not DisclosureRuleSet.objects.exists()


def test_saving_the_rules_in_force_again_changes_nothing(lakeland, people):
    with pytest.raises(ValidationError, match="nothing changed"):
        rule_set_update(actor=people["priya"], agency=None, values={"threshold": 10})


def test_the_privacy_officer_changes_the_rules_on_the_page(client_for):
    data = {
        "threshold": 11,
        "zeros_disclosive": "on",
        "rate_low": 0.05,
        "rate_high": 0.95,
        "rate_group_size": 300,
        "rounding_base": 5,
        "n": 2,
        "k": 0.9,
        "p": 0.1,
        "dof": 10,
        "note": "Board resolution 2026-4",
    }
    url = reverse("outputs:rules_edit", kwargs={"scope": "lde"})
    response = client_for("priya").post(url, data)
    assert response.status_code == 302
    saved = DisclosureRuleSet.objects.get()
    assert (saved.agency.code, saved.version, saved.threshold) == ("lde", 1, 11)
    assert saved.note == "Board resolution 2026-4"
    listing = client_for("priya").get(reverse("outputs:rules"))
    assert "Board resolution 2026-4" in listing.content.decode()


def test_the_public_page_publishes_each_agencys_rules_in_plain_language(lakeland, client_for):
    response = client_for(None).get(reverse("outputs:public_rules"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lakeland Higher Education Commission" in html
    assert "describes fewer than 16 students" in html
    assert "describes fewer than 10 students" in html
    assert "Lakeland Higher Education Commission, version 1" in html


def test_the_api_lists_the_rules_in_force_for_each_agency(lakeland, client_for):
    response = client_for("ana").get(reverse("api:outputs_rules"))
    by_agency = {row["agency"]: row for row in response.json()}
    assert by_agency["Lakeland Higher Education Commission"]["rules"]["threshold"] == 16
    assert by_agency["Lakeland Department of Education"]["rules"]["threshold"] == 10
