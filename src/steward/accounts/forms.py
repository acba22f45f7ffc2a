from django import forms
from django.conf import settings

from steward.accounts.services import MAX_TOKEN_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “my laptop”.")
    days = forms.IntegerField(
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
        label="Valid for (days)",
    )
