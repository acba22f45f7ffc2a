"""Forms of output review, reports and findings."""

from __future__ import annotations

from django import forms

from steward.agenda.models import Project
from steward.outputs.forms import MAX_UPLOAD_BYTES
from steward.outputs.models import FindingQuestion, Output, OutputCheck
from steward.outputs.reports import GROUPS, MEASURES, PLACES
from steward.outputs.selectors import agencies
from steward.portal.models import ResearchUse


class OutputForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label="Project")
    kind = forms.ChoiceField(choices=Output.Kind.choices, widget=forms.RadioSelect)
    title = forms.CharField(max_length=300)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What each part of the output is and how it was made, so that a stranger "
        "can follow it.",
    )
    population = forms.CharField(
        max_length=300,
        help_text="Who it counts. Use the same words as earlier outputs of the same students: "
        "they are checked together.",
    )
    data_version = forms.CharField(max_length=300, label="Data and version")
    file = forms.FileField(
        label="File (CSV)",
        help_text="A table or a figure's counts: one row per cell of the finest level. A model: "
        "one row per term, its estimate last.",
    )
    dims = forms.CharField(
        max_length=500,
        required=False,
        label="Dimension columns (tables and figures)",
        help_text="Comma-separated, outermost first: district,school",
    )
    count = forms.CharField(max_length=100, required=False, label="Count column")
    denominator = forms.CharField(max_length=100, required=False, label="Group size column")
    residual_dof = forms.IntegerField(
        min_value=0, required=False, label="Residual degrees of freedom (models)"
    )
    agencies = forms.ModelMultipleChoiceField(
        queryset=agencies(), widget=forms.CheckboxSelectMultiple, label="Whose data it holds"
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        self.fields["agencies"].queryset = agencies()
        if user is not None:
            self.fields["project"].queryset = Project.objects.filter(
                Q(pi=user) | Q(team=user)
            ).distinct()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return upload

    def clean_dims(self) -> list[str]:
        return [d.strip() for d in self.cleaned_data["dims"].split(",") if d.strip()]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(d.value, d.label) for d in OutputCheck.HUMAN_DECISIONS],
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Why it is withdrawn")


class ReportForm(forms.Form):
    measure = forms.ChoiceField(choices=[(k, m.label) for k, m in MEASURES.items()])
    places = forms.MultipleChoiceField(
        choices=[(p, p.capitalize()) for p in PLACES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="By",
    )
    group = forms.ChoiceField(
        choices=[("", "No student group"), *GROUPS.items()], required=False, label="Student group"
    )
    first_year = forms.IntegerField(min_value=1990, max_value=2100)
    last_year = forms.IntegerField(min_value=1990, max_value=2100)
    district = forms.CharField(max_length=40, required=False, label="One district's id (optional)")


class FindingForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none())
    title = forms.CharField(max_length=300)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="In plain language")
    implications = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="What it means for policy and practice"
    )
    limits = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Limits")
    full_report = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), label="Full report")
    outputs = forms.ModelMultipleChoiceField(
        queryset=Output.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Released tables and figures it shows",
    )
    answers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Agenda questions it answers",
    )
    partly = forms.BooleanField(required=False, label="It answers them only in part")

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from steward.agenda.models import AgendaQuestion

        mine = Project.objects.filter(Q(pi=user) | Q(team=user)).distinct()
        self.fields["project"].queryset = mine
        self.fields["outputs"].queryset = Output.objects.filter(
            project__in=mine, status=Output.Status.RELEASED
        )
        self.fields["answers"].queryset = AgendaQuestion.objects.filter(
            projects__in=mine
        ).distinct()

    @property
    def extent(self) -> str:
        return FindingQuestion.Extent.PARTLY if self.cleaned_data.get("partly") else "answers"


class InvitationForm(forms.Form):
    district_name = forms.CharField(max_length=200, label="District")


class UseReportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            (ResearchUse.Kind.DISTRICT, "We used it in our district"),
            (ResearchUse.Kind.POLICY, "It informed a policy decision"),
        ],
        widget=forms.RadioSelect,
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="How you used it")
    used_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="When")
    source = forms.CharField(
        max_length=500, required=False, label="Where it is recorded (minutes, a plan), optional"
    )


class AttachUseForm(forms.Form):
    use = forms.ModelChoiceField(
        queryset=ResearchUse.objects.none(), label="A recorded use that drew on this finding"
    )

    def __init__(self, *args, finding=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from steward.outputs.findings_selectors import attachable_uses

        if finding is not None:
            self.fields["use"].queryset = attachable_uses(finding)


class FindingUseForm(forms.ModelForm):
    source_url = forms.URLField(
        max_length=500, required=False, assume_scheme="https", label="Address (URL) of the source"
    )

    class Meta:
        model = ResearchUse
        fields = ["kind", "description", "used_by", "used_on", "source", "source_url"]
        labels = {"used_on": "Date of the use"}
        widgets = {
            "used_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class SurveyForm(forms.Form):
    district_name = forms.CharField(max_length=200, label="District")
    contact_email = forms.EmailField(label="District contact's email address")
    every_days = forms.IntegerField(
        min_value=30, max_value=3 * 365, initial=365, label="Ask again every (days)"
    )
    first_ask_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="First ask on (empty: today)",
    )


class UseDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("decline", "Decline")])
