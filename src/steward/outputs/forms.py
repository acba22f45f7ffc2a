"""Forms of the disclosure rules, the table protection page and the ledger."""

from __future__ import annotations

from django import forms

from steward.agenda.models import Project
from steward.outputs.models import Release
from steward.outputs.selectors import agencies

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
TOO_LARGE = "The file is larger than 5 MB; protect it with the CLI."


class RuleSetForm(forms.Form):
    threshold = forms.IntegerField(
        min_value=1, label="Minimum cell size", help_text="No number may describe fewer units."
    )
    zeros_disclosive = forms.BooleanField(required=False, label="Zeros are disclosive")
    rate_low = forms.FloatField(min_value=0, max_value=1, label="Low rate bound (0-1)")
    rate_high = forms.FloatField(min_value=0, max_value=1, label="High rate bound (0-1)")
    rate_group_size = forms.IntegerField(
        min_value=0,
        label="Rate coding group size",
        help_text="Groups smaller than this show extreme rates as ranges.",
    )
    rounding_base = forms.IntegerField(min_value=1, label="Rounding base")
    n = forms.IntegerField(min_value=1, label="Dominance: number of largest contributors (n)")
    k = forms.FloatField(min_value=0, max_value=1, label="Dominance: their largest share (k)")
    p = forms.FloatField(min_value=0, max_value=1, label="p% rule (p, 0-1)")
    dof = forms.IntegerField(min_value=0, label="Minimum residual degrees of freedom")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Why the rules change", max_length=2000
    )


class ProtectForm(forms.Form):
    file = forms.FileField(
        label="Table (CSV)",
        help_text="One row per cell of the finest level, a column per dimension and one of counts.",
    )
    dims = forms.CharField(
        label="Dimension columns",
        max_length=500,
        help_text="Comma-separated, outermost first: district,school,grade",
    )
    count = forms.CharField(label="Count column", max_length=100)
    denominator = forms.CharField(
        label="Group size column (optional)",
        max_length=100,
        required=False,
        help_text="With it, cells are published as rates, extreme rates of small groups coded.",
    )
    agencies = forms.ModelMultipleChoiceField(
        queryset=agencies(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Whose data the table holds",
        help_text="The strictest rules of these agencies apply (with none, the state default).",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        return upload

    def clean_dims(self) -> list[str]:
        return [d.strip() for d in self.cleaned_data["dims"].split(",") if d.strip()]


class ReleaseForm(forms.Form):
    title = forms.CharField(max_length=300, label="Title of the released table")
    population = forms.CharField(
        max_length=300,
        label="Population",
        help_text="Who the table counts (for example: enrollment, fall 2024). Use the same "
        "words as earlier releases of the same students: they are audited together.",
    )
    source = forms.ChoiceField(
        choices=Release.Source.choices, widget=forms.RadioSelect, label="Released for"
    )
    project = forms.ModelChoiceField(
        queryset=Project.objects.order_by("title"), required=False, label="Project"
    )

    def clean(self):
        data = super().clean()
        if data.get("source") == Release.Source.PROJECT and not data.get("project"):
            self.add_error("project", "Choose the project this table is released for.")
        if data.get("source") == Release.Source.SEA_REPORT:
            data["project"] = None
        return data
