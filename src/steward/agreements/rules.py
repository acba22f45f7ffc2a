"""Who may see agreements, draft and edit them, sign, accept, amend, vote on and approve
amendments, certify closeout, watch closeouts and edit the template.

Which agreement a person may see is the selector's business (`agreements_visible_to`); the
services check that a signer is the named one, an accepting researcher is named, and the PI
signs the certificate.
"""

import rules

from steward.accounts.predicates import has_role, is_signed_in
from steward.accounts.roles import Role

has_any_role = has_role(*Role)
is_liaison = has_role(Role.LIAISON)
is_researcher = has_role(Role.RESEARCHER)
may_approve_amendments = has_role(Role.LIAISON, Role.CHAIR)
is_committee_member = has_role(Role.COMMITTEE)
watches_closeouts = has_role(Role.PRIVACY_OFFICER, Role.LIAISON)

rules.add_perm("agreements.view_agreements", has_any_role)
rules.add_perm("agreements.draft", is_liaison)
rules.add_perm("agreements.sign", is_signed_in)
rules.add_perm("agreements.accept", is_researcher)
rules.add_perm("agreements.amend", is_liaison | is_researcher)
rules.add_perm("agreements.approve_amendment", may_approve_amendments)
rules.add_perm("agreements.vote_amendment", is_committee_member)
rules.add_perm("agreements.certify", is_researcher)
rules.add_perm("agreements.view_closeouts", watches_closeouts)
rules.add_perm("agreements.edit_templates", has_role(Role.ADMINISTRATOR))
