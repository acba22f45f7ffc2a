"""The navigation each person sees: the public site's pages, and the work their roles allow."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.urls import get_script_prefix, reverse

from steward.accounts.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


# Pages of the public site, shown to visitors who are not signed in.
PUBLIC_NAVIGATION: list[tuple[str, str]] = [
    ("Home", "home"),
    ("Research agenda", "portal:agenda"),
    ("Projects", "portal:projects"),
    ("Findings", "outputs:findings"),
    ("Research in use", "portal:research_use"),
    ("Data inventory", "catalog:inventory"),
    ("How requests are decided", "access:transparency"),
    ("Data sharing agreements", "agreements:register"),
    ("Privacy", "portal:privacy"),
    ("Disclosure rules", "outputs:public_rules"),
]

# (label, url name, roles that see it; None means everyone signed in)
WORK_NAVIGATION: list[tuple[str, str, frozenset[str] | None]] = [
    ("Home", "home", None),
    ("Projects", "agenda:projects", frozenset({Role.LIAISON, Role.RESEARCHER})),
    ("Agenda", "agenda:questions", frozenset({Role.LIAISON})),
    ("Partnerships", "agenda:partnerships", frozenset({Role.LIAISON})),
    ("Data requests", "access:list", frozenset(Role)),
    ("Agreements", "agreements:list", frozenset(Role) - {Role.ADMINISTRATOR}),
    ("Closeouts", "agreements:closeouts", frozenset({Role.PRIVACY_OFFICER})),
    ("Agreement template", "agreements:template", frozenset({Role.ADMINISTRATOR})),
    (
        "Committee",
        "access:committee",
        frozenset({Role.COMMITTEE, Role.CHAIR, Role.LIAISON, Role.ADMINISTRATOR}),
    ),
    ("Data catalog", "catalog:index", frozenset(Role)),
    (
        "Linkage",
        "linkage:runs",
        frozenset({Role.STEWARD, Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER}),
    ),
    ("Jobs", "core:jobs", None),
    (
        "Protect a table",
        "outputs:protect",
        frozenset(
            {
                Role.RESEARCHER,
                Role.LIAISON,
                Role.STEWARD,
                Role.PRIVACY_OFFICER,
                Role.SECURITY_OFFICER,
            }
        ),
    ),
    ("Extracts", "extracts:list", frozenset({Role.LIAISON, Role.PRIVACY_OFFICER, Role.RESEARCHER})),
    ("Releases", "outputs:releases", frozenset({Role.PRIVACY_OFFICER, Role.LIAISON})),
    (
        "Outputs for release",
        "outputs:outputs",
        frozenset({Role.RESEARCHER, Role.LIAISON, Role.STEWARD, Role.PRIVACY_OFFICER}),
    ),
    ("Reports", "outputs:report", frozenset({Role.LIAISON, Role.STEWARD, Role.PRIVACY_OFFICER})),
    (
        "Findings",
        "outputs:findings_workspace",
        frozenset({Role.RESEARCHER, Role.LIAISON, Role.PRIVACY_OFFICER}),
    ),
    ("Disclosure rules", "outputs:rules", frozenset({Role.PRIVACY_OFFICER})),
    ("Comments", "portal:moderation", frozenset({Role.LIAISON, Role.PRIVACY_OFFICER})),
    ("Audit log", "core:audit_log", frozenset({Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER})),
]

# A signed-in person's own pages, shown apart from the work.
ACCOUNT_NAVIGATION: list[tuple[str, str]] = [
    ("Profile", "accounts:profile"),
    ("Privacy training", "access:training"),
    ("API tokens", "accounts:tokens"),
]


@lru_cache(maxsize=256)
def _url(name: str, prefix: str) -> str:
    # Every page shows some twenty links; their addresses change only with the script prefix.
    return reverse(name)


def _item(label: str, name: str, path: str) -> NavItem:
    url = _url(name, get_script_prefix())
    current = path == url if url == "/" else path.startswith(url)
    return NavItem(label, url, current)


def navigation_for(user: Any, path: str) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return [_item(label, name, path) for label, name in PUBLIC_NAVIGATION]
    items = [
        _item(label, name, path)
        for label, name, roles in WORK_NAVIGATION
        if roles is None or user.role_names & roles
    ]
    if user.is_staff:
        items.append(NavItem("Administration", reverse("admin:index"), path.startswith("/admin")))
    return items


def account_navigation_for(user: Any, path: str) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [_item(label, name, path) for label, name in ACCOUNT_NAVIGATION]


def public_links(path: str) -> list[NavItem]:
    """The public site's pages, for every page's footer."""
    return [_item(label, name, path) for label, name in PUBLIC_NAVIGATION]
