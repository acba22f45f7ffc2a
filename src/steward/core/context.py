"""Values every page template can use: the site's name, the privacy contact, the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from steward.core.navigation import account_navigation_for, navigation_for, public_links
from steward.portal.selectors import PRIVACY_CONTACT_CACHE_KEY, privacy_contact


def _privacy_contact() -> dict[str, str]:
    # Every page's footer names the contact; the administration site clears this on a change.
    return cache.get_or_set(PRIVACY_CONTACT_CACHE_KEY, privacy_contact, timeout=60)


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.SITE_NAME,
        "state_name": settings.STATE_NAME,
        "privacy_contact": _privacy_contact(),
        "navigation": navigation_for(request.user, request.path),
        "account_navigation": account_navigation_for(request.user, request.path),
        "public_links": public_links(request.path),
    }


def absolute_url(path: str) -> str:
    """A full link to one of this site's pages, for mail and feeds."""
    return f"{settings.SITE_URL}{path}"
