"""Forms of the linkage pages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from steward.dataplane.linkage import LinkageConfig
from steward.dataplane.linkage.quality import default_review_band
from steward.linkage.models import LinkageRun, ReviewPair
from steward.linkage.services import review_band_check

_THRESHOLD = LinkageConfig().threshold
_DEFAULT_LOW, _DEFAULT_HIGH = default_review_band(_THRESHOLD)


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

    review_band_low = forms.FloatField(
        label="Review band: lowest match probability",
        required=False,
        min_value=0,
        max_value=1,
        help_text=(
            f"Pairs with a match probability from this value up to the highest go to clerical "
            f"review. Below the threshold ({_THRESHOLD:g}); leave both empty for the default, "
            f"{_DEFAULT_LOW:.4f} to {_DEFAULT_HIGH:.4f} (three bits of match weight either side)."
        ),
    )
    review_band_high = forms.FloatField(
        label="Review band: highest match probability",
        required=False,
        min_value=0,
        max_value=1,
        help_text=f"At or above the threshold ({_THRESHOLD:g}), at most 1.",
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].choices = [(a.agency_kind, a.name) for a in agencies]

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("review_band_low"), data.get("review_band_high")
        if "review_band_low" in self.errors or "review_band_high" in self.errors:
            return data
        if low is None and high is None:
            data["review_band"] = None
        elif low is None or high is None:
            missing = "review_band_low" if low is None else "review_band_high"
            self.add_error(missing, "Give both ends of the review band, or neither.")
        else:
            try:
                data["review_band"] = review_band_check((low, high), threshold=_THRESHOLD)
            except ValidationError as error:
                field = "review_band_high" if low < _THRESHOLD else "review_band_low"
                self.add_error(field, error)
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=ReviewPair.Decision.choices, widget=forms.RadioSelect, label="Your decision"
    )
