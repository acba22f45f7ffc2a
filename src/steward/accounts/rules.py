"""Who may do what with accounts and tokens."""

import rules

from steward.accounts.predicates import is_self, is_signed_in

rules.add_perm("accounts.view_profile", is_signed_in)
rules.add_perm("accounts.manage_own_tokens", is_signed_in)
rules.add_perm("accounts.revoke_token", is_signed_in & is_self)
