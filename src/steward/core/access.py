"""Every Steward view declares who may reach it; a view without a declaration fails the tests.

`public` marks pages for anyone; `requires(perm)` checks a `rules` permission and sends
anonymous visitors to the login page. Views that show one object load it through a selector
that returns only what the user may see, so another person's object is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def public(view: View) -> View:
    view.steward_access = "public"  # type: ignore[attr-defined]
    return view


def requires(perm: str) -> Callable[[View], View]:
    """Allow the view only when the signed-in user has `perm`."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.steward_access = perm  # type: ignore[attr-defined]
        return wrapper

    return decorate
