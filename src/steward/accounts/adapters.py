"""How sign-up and sign-in behave for Steward."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        if not user.full_name:
            user.full_name = user.email.split("@")[0]
        if commit:
            user.save()
        return user
