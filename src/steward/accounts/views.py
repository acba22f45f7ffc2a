"""A person's profile and their API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from steward.accounts.forms import ApiTokenForm
from steward.accounts.selectors import tokens_visible_to
from steward.accounts.services import api_token_create, api_token_revoke
from steward.core.access import requires


@requires("accounts.view_profile")
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html")


@requires("accounts.manage_own_tokens")
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_token = api_token_create(
                actor=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "new_token": new_token, "tokens": tokens_visible_to(request.user)},
        status=status,
    )


@requires("accounts.manage_own_tokens")
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(tokens_visible_to(request.user), pk=token_id)
    try:
        api_token_revoke(actor=request.user, token=token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The token “{token.name}” is revoked.")
    return redirect("accounts:tokens")
