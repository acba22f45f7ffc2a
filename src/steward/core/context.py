"""Values every page template can use: the site's name, the privacy contact, the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from steward.core.navigation import account_navigation_for, navigation_for, public_links
from steward.portal.selectors import privacy_contact


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.SITE_NAME,
        "state_name": settings.STATE_NAME,
        # One small query; public pages themselves are cached (steward.core.pagecache), and
        # every process sees an administrator's change at once.
        "privacy_contact": privacy_contact(),
        "navigation": navigation_for(request.user, request.path),
        "account_navigation": account_navigation_for(request.user, request.path),
        "public_links": public_links(request.path),
    }


def absolute_url(path: str) -> str:
    """A full link to one of this site's pages, for mail and feeds."""
    return f"{settings.SITE_URL}{path}"
