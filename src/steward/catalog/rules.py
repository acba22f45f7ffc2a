"""Who may browse the catalog, see quality results, and submit an agency's files."""

from typing import Any

import rules

from steward.accounts.predicates import has_role
from steward.accounts.roles import Role

# Elements describe what is collected, not anyone's values: every role may browse them.
has_any_role = has_role(*Role)
is_data_steward = has_role(Role.STEWARD)
is_research_office = has_role(Role.LIAISON)


@rules.predicate
def stewards_this_agency(user: Any, dataset: Any) -> bool:
    agency_id = getattr(user, "steward_agency_id", None)
    return dataset is not None and agency_id is not None and dataset.agency_id == agency_id


rules.add_perm("catalog.browse", has_any_role)
rules.add_perm("catalog.view_quality", is_data_steward | is_research_office)
rules.add_perm("catalog.ingest", is_data_steward)
rules.add_perm("catalog.ingest_dataset", is_data_steward & stewards_this_agency)
