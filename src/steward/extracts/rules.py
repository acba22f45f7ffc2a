"""Who may reach the extract pages. Which extract a person sees is the selector's business
(`extracts_visible_to`); whether they may download or query is `agreement_grants`'."""

import rules

from steward.accounts.predicates import has_role
from steward.accounts.roles import Role

sees_extracts = has_role(Role.LIAISON, Role.PRIVACY_OFFICER, Role.RESEARCHER)

rules.add_perm("extracts.view_extracts", sees_extracts)
rules.add_perm("extracts.build", has_role(Role.LIAISON))
rules.add_perm("extracts.decide_risk", has_role(Role.PRIVACY_OFFICER))
rules.add_perm("extracts.receive", has_role(Role.RESEARCHER))
