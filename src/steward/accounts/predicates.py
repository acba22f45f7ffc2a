"""Predicates about people, for `rules` permissions throughout Steward."""

from __future__ import annotations

from typing import Any

import rules

from steward.accounts.roles import Role


def has_role(*roles: Role) -> rules.Predicate:
    wanted = frozenset(str(role) for role in roles)
    name = "has_role:" + ",".join(sorted(wanted))

    @rules.predicate(name=name)
    def check(user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.role_names & wanted)

    return check


is_signed_in = rules.is_authenticated
is_privacy_or_security_officer = has_role(Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER)
is_administrator = has_role(Role.ADMINISTRATOR)


@rules.predicate
def is_self(user: Any, other: Any) -> bool:
    return other is not None and getattr(user, "pk", None) == getattr(other, "user_id", None)
