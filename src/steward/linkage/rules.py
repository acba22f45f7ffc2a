"""Who may run linkage, see runs, and review pairs.

Linkage happens for the SLDS's own crosswalk, run by a data steward of one of the two agencies,
or where an agreement in force authorizes matching (`agreement_authorizes_matching` asks the
agreements' enforcement interface). Only the stewards of the two agencies see the records behind
a pair.
"""

from typing import Any

import rules

from steward.accounts.predicates import has_role, is_privacy_or_security_officer
from steward.accounts.roles import Role

is_data_steward = has_role(Role.STEWARD)


def _agency_ids(target: Any) -> set[int]:
    """The organization ids of a run, or of an (from agency, to agency) pair."""
    if target is None:
        return set()
    if isinstance(target, tuple):
        return {getattr(agency, "pk", None) for agency in target} - {None}
    return set(getattr(target, "agency_ids", set()))


@rules.predicate
def stewards_one_of_the_agencies(user: Any, target: Any) -> bool:
    agency_id = getattr(user, "steward_agency_id", None)
    return agency_id is not None and agency_id in _agency_ids(target)


@rules.predicate
def agreement_authorizes_matching(user: Any, target: Any) -> bool:
    """An agreement in force, signed and accepted, authorizes this person to match these
    agencies' records (`steward.agreements.enforcement`, which reads `agreement_grants`)."""
    from steward.agreements.enforcement import matching_authorized

    return matching_authorized(user, _agency_ids(target))


steward_of_the_pair = is_data_steward & stewards_one_of_the_agencies

rules.add_perm("linkage.view_runs", is_data_steward | is_privacy_or_security_officer)
rules.add_perm("linkage.view_run", steward_of_the_pair | is_privacy_or_security_officer)
rules.add_perm("linkage.start_run", is_data_steward)
rules.add_perm("linkage.start_run_between", steward_of_the_pair | agreement_authorizes_matching)
rules.add_perm("linkage.review_pair", steward_of_the_pair)
rules.add_perm("linkage.accept_run", steward_of_the_pair)
