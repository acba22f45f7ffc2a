"""Who may moderate comments, record research use, and set the privacy contact."""

import rules

from steward.accounts.predicates import has_role, is_administrator
from steward.accounts.roles import Role

rules.add_perm("portal.moderate_comments", has_role(Role.LIAISON, Role.PRIVACY_OFFICER))
rules.add_perm("portal.record_research_use", has_role(Role.LIAISON))

# The administration site asks for model permissions; administrators hold these by rule.
for _action in ("view", "add", "change"):
    rules.add_perm(f"portal.{_action}_privacycontact", is_administrator)
