"""Privileged roles must set up MFA before they can do anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

# Paths a privileged person without MFA may still use: the account pages (where MFA is set
# up), static assets and the public site.
ALLOWED_PREFIXES = ("/accounts/", "/static/")


class RequireMfaForPrivilegedRoles:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.is_privileged
            and not user.has_mfa
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"message": "Set up two-factor authentication first.", "code": "mfa_required"},
                    status=403,
                )
            messages.warning(
                request,
                "Your role requires two-factor authentication. Set up an authenticator app "
                "to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
