"""Who may request data, screen, sign off, review, decide, and configure the committee.

Which request a person may see is the selector's business (`requests_visible_to`); these
permissions say what a person may do with a request they can see.
"""

from typing import Any

import rules

from steward.accounts.predicates import has_role, is_administrator, is_signed_in
from steward.accounts.roles import Role

has_any_role = has_role(*Role)
is_researcher = has_role(Role.RESEARCHER)
is_liaison = has_role(Role.LIAISON)
is_steward = has_role(Role.STEWARD)
is_committee_member = has_role(Role.COMMITTEE, Role.CHAIR)
is_chair = has_role(Role.CHAIR)


@rules.predicate
def on_the_team(user: Any, data_request: Any) -> bool:
    if data_request is None or not getattr(user, "is_authenticated", False):
        return False
    if data_request.created_by_id == user.pk:
        return True
    return data_request.personnel.filter(user=user).exists()


@rules.predicate
def stewards_an_agency_of(user: Any, data_request: Any) -> bool:
    agency_id = getattr(user, "steward_agency_id", None)
    if data_request is None or agency_id is None:
        return False
    return data_request.elements.filter(agency_id=agency_id).exists()


rules.add_perm("access.view_requests", has_any_role)
rules.add_perm("access.create_request", is_researcher)
rules.add_perm("access.edit_request", is_researcher & on_the_team)
rules.add_perm("access.screen", is_liaison)
rules.add_perm("access.signoff", is_steward)
rules.add_perm("access.signoff_request", is_steward & stewards_an_agency_of)
rules.add_perm("access.review", is_committee_member)
rules.add_perm("access.decide", is_chair)
rules.add_perm("access.take_training", is_signed_in)
rules.add_perm("access.view_committee", is_committee_member | is_liaison | is_administrator)
rules.add_perm("access.configure_committee", is_chair | is_administrator)
