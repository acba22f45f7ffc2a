"""The navigation each person sees, from their roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from steward.accounts.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


# (label, url name, roles that see it; None means everyone signed in)
NAVIGATION: list[tuple[str, str, frozenset[str] | None]] = [
    ("Home", "home", None),
    ("Data catalog", "catalog:index", frozenset(Role)),
    ("Jobs", "core:jobs", None),
    (
        "Audit log",
        "core:audit_log",
        frozenset({Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER}),
    ),
    ("API tokens", "accounts:tokens", None),
    ("Profile", "accounts:profile", None),
]


def navigation_for(user: Any, path: str) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for label, name, roles in NAVIGATION:
        if roles is not None and not (user.role_names & roles):
            continue
        url = reverse(name)
        current = path == url if url == "/" else path.startswith(url)
        items.append(NavItem(label, url, current))
    if user.is_staff:
        items.append(NavItem("Administration", reverse("admin:index"), path.startswith("/admin")))
    return items
