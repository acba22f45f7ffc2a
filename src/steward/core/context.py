"""Values every page template can use: the site's name, the privacy contact, the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from steward.core.navigation import account_navigation_for, navigation_for, public_links
from steward.portal.selectors import privacy_contact


def _privacy_contact(request: HttpRequest) -> dict[str, str]:
    """One small query, or none when the page cache has read the change number for this
    request (steward.core.pagecache): then the contact is kept per change, in each process."""
    change = getattr(request, "page_change", None)
    if change is None:
        return privacy_contact()
    # Read after the change number, so never older than the change it is kept under.
    return caches["local"].get_or_set(f"privacy-contact:{change}", privacy_contact, 3600)


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.SITE_NAME,
        "state_name": settings.STATE_NAME,
        "privacy_contact": _privacy_contact(request),
        "navigation": navigation_for(request.user, request.path),
        "account_navigation": account_navigation_for(request.user, request.path),
        "public_links": public_links(request.path),
    }


def absolute_url(path: str) -> str:
    """A full link to one of this site's pages, for mail and feeds."""
    return f"{settings.SITE_URL}{path}"
