"""Who may change the disclosure rules, protect tables, and see or add to the ledger.

The public reads the rules on the portal. Protecting a table is open to researchers and the
SEA's staff who handle data; only its uploader ever sees a protected table's own page, since
it shows why each cell is hidden. The privacy officer keeps the rules; the privacy officer and
the research office keep the ledger of releases.
"""

from typing import Any

import rules

from steward.accounts.predicates import has_role
from steward.accounts.roles import Role

is_privacy_officer = has_role(Role.PRIVACY_OFFICER)
may_protect = has_role(
    Role.RESEARCHER, Role.LIAISON, Role.STEWARD, Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER
)
keeps_the_ledger = has_role(Role.PRIVACY_OFFICER, Role.LIAISON)


@rules.predicate
def uploaded_it(user: Any, table: Any) -> bool:
    return table is not None and table.created_by_id == getattr(user, "pk", None)


rules.add_perm("outputs.manage_rules", is_privacy_officer)
rules.add_perm("outputs.protect_table", may_protect)
rules.add_perm("outputs.view_protected_table", may_protect & uploaded_it)
rules.add_perm("outputs.view_releases", keeps_the_ledger)
rules.add_perm("outputs.record_release", keeps_the_ledger)

# Output review, reports and findings (issue 10). Object checks (who may check which output,
# who clears a finding) live in the services and selectors, which know the project.
may_submit_outputs = has_role(Role.RESEARCHER)
reviews_outputs = has_role(Role.RESEARCHER, Role.LIAISON, Role.STEWARD, Role.PRIVACY_OFFICER)
builds_reports = has_role(Role.LIAISON, Role.STEWARD, Role.PRIVACY_OFFICER)
works_on_findings = has_role(Role.RESEARCHER, Role.LIAISON, Role.PRIVACY_OFFICER)

rules.add_perm("outputs.submit_output", may_submit_outputs)
rules.add_perm("outputs.view_outputs", reviews_outputs)
rules.add_perm("outputs.build_reports", builds_reports)
rules.add_perm("outputs.work_on_findings", works_on_findings)
