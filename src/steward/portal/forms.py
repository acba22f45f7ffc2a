"""Forms of the public portal and of the research office's portal pages."""

from __future__ import annotations

from django import forms

from steward.agenda.models import Project
from steward.portal.models import Comment, ResearchUse


class CommentForm(forms.Form):
    author_name = forms.CharField(
        max_length=100,
        required=False,
        label="Your name (optional; shown with your comment)",
    )
    body = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Your comment",
        help_text="Comments are read by the research office before they appear. Do not include "
        "information about any student.",
    )
    # The spam trap: hidden from people (and from screen readers); bots fill every field.
    website = forms.CharField(required=False, label="Leave this field empty")

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class ModerationForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(Comment.Status.APPROVED, "Approve"), (Comment.Status.REJECTED, "Reject")]
    )


class ResearchUseForm(forms.ModelForm):
    source_url = forms.URLField(
        max_length=500, required=False, assume_scheme="https", label="Address (URL) of the source"
    )

    class Meta:
        model = ResearchUse
        fields = ["kind", "description", "used_by", "used_on", "source", "source_url", "project"]
        labels = {"used_on": "Date of the use", "source_url": "Address (URL) of the source"}
        widgets = {"used_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(
            status__in=Project.PUBLIC_STATUSES
        ).only("pk", "title")


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search the agenda and projects")
