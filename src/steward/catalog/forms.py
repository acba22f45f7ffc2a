"""The catalog search and the upload of an agency's file."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from steward.catalog.models import Dataset


class CatalogSearchForm(forms.Form):
    q = forms.CharField(label="Search datasets and elements", required=False, max_length=100)
    agency = forms.ChoiceField(label="Agency", required=False)
    level = forms.TypedChoiceField(
        label="Classification level", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, agencies: list[tuple[str, str]], levels, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "All agencies"), *agencies]
        self.fields["level"].choices = [
            ("", "All levels"),
            *[(str(lv.level), str(lv)) for lv in levels],
        ]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File", help_text="A .csv or .parquet file with the catalog's column names."
    )
    year = forms.TypedChoiceField(label="Year", coerce=int)
    received = forms.DateField(
        label="Received on",
        help_text="When the agency sent the file (YYYY-MM-DD); used for timeliness.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, dataset: Dataset, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        years = list(reversed(dataset.years))
        self.fields["year"].choices = [(str(y), f"{y}-{str(y + 1)[-2:]}") for y in years]
        self.fields["received"].initial = timezone.localdate()
