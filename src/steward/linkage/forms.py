"""Forms of the linkage pages."""

from __future__ import annotations

from django import forms

from steward.linkage.models import LinkageRun, ReviewPair


class RunStartForm(forms.Form):
    to_agency = forms.ChoiceField(label="Link the SEA's students with")
    mode = forms.ChoiceField(
        choices=LinkageRun.Mode.choices,
        initial=LinkageRun.Mode.CLEAR,
        widget=forms.RadioSelect,
        help_text=(
            "In the privacy-preserving mode each agency encodes its people's identifiers with "
            "a secret the linkage step never reads; the platform links the encodings."
        ),
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].choices = [(a.agency_kind, a.name) for a in agencies]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=ReviewPair.Decision.choices, widget=forms.RadioSelect, label="Your decision"
    )
