"""Forms of the request and of each step of its review."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from steward.access.models import (
    CRITERIA,
    DataRequest,
    Decision,
    DenialReason,
    RequestedElement,
    RequestPerson,
    Vote,
)
from steward.access.services import EDITABLE_FIELDS, SCREENING_CHECKLIST
from steward.access.training import QUIZ
from steward.catalog.models import Element

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RequestForm(forms.ModelForm):
    """Every field of the request; none is required to save a draft."""

    irb_letter_upload = forms.FileField(
        label="IRB letter (PDF)", required=False, help_text="Upload again to replace it."
    )

    class Meta:
        model = DataRequest
        fields = [*EDITABLE_FIELDS[:3], "agenda_questions", *EDITABLE_FIELDS[3:]]
        widgets = {
            "irb_approved_on": DATE,
            "irb_expires_on": DATE,
            "starts_on": DATE,
            "ends_on": DATE,
            "research_questions": forms.Textarea(attrs={"rows": 3}),
            "agenda_alignment": forms.Textarea(attrs={"rows": 3}),
            "project_summary": forms.Textarea(attrs={"rows": 3}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "linkage_description": forms.Textarea(attrs={"rows": 2}),
            "security_environment": forms.Textarea(attrs={"rows": 2}),
            "publication_plan": forms.Textarea(attrs={"rows": 3}),
            "timeline": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "linkage_needed": "Records must be linked across agencies",
            "ferpa_exception": "FERPA exception claimed",
            "irb_status": "IRB approval or exemption",
            "irb_project_title": "Project title on the IRB letter",
            "irb_approved_on": "IRB approval or exemption date",
            "irb_expires_on": "IRB expiry date",
            "security_plan": "Data security plan",
            "security_environment": "The approved environment (if not the workspace)",
            "starts_on": "Study starts",
            "ends_on": "Study ends",
        }

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        from steward.agenda.models import Project

        self.fields["project"].queryset = (
            Project.objects.filter(Q(pi=user) | Q(team=user)).distinct()
            if user is not None
            else Project.objects.none()
        )

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}
        for name, value in data.items():
            if value is None and name not in (
                "irb_approved_on",
                "irb_expires_on",
                "starts_on",
                "ends_on",
                "project",
            ):
                data[name] = ""
        data["linkage_needed"] = bool(self.cleaned_data.get("linkage_needed"))
        return data


def _element_label(element: Element) -> str:
    dataset = element.dataset
    return (
        f"{dataset.agency.name} · {dataset.name} · {element.label} ({element.name}, "
        f"level {element.classification.level})"
    )


class ElementChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Element) -> str:
        return _element_label(obj)


class ElementForm(forms.Form):
    element = ElementChoice(
        queryset=Element.objects.filter(active=True, dataset__active=True)
        .select_related("dataset__agency", "classification")
        .order_by("dataset__agency__name", "dataset__position", "position"),
        label="Catalog element",
    )
    first_year = forms.IntegerField(label="First year", min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label="Last year", min_value=2000, max_value=2100)
    grades = forms.CharField(label="Grades", required=False, max_length=60)
    cohorts = forms.CharField(label="Cohorts", required=False, max_length=60)
    schools_or_districts = forms.CharField(
        label="Schools or districts",
        required=False,
        max_length=300,
        help_text="Leave empty for statewide.",
    )
    justification = forms.CharField(
        label="Why the study needs it",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Minimum necessary: name the question it answers.",
    )


class PersonForm(forms.Form):
    email = forms.EmailField(label="Email of a registered person")
    role = forms.ChoiceField(label="Role on the study", choices=RequestPerson.Role.choices)


class ScreeningForm(forms.Form):
    decision = forms.ChoiceField(
        label="Outcome",
        choices=[("pass", "Pass on to the agencies"), ("return", "Return to the requester")],
    )
    comments = forms.CharField(
        label="Comments to the requester",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label in SCREENING_CHECKLIST:
            self.fields[f"check_{key}"] = forms.BooleanField(label=label, required=False)
        self.order_fields([f"check_{key}" for key, _ in SCREENING_CHECKLIST])

    def checklist(self) -> dict[str, bool]:
        return {key: self.cleaned_data[f"check_{key}"] for key, _ in SCREENING_CHECKLIST}


class SignoffForm(forms.Form):
    note = forms.CharField(
        label="Note to the committee", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, items: list[RequestedElement], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"decision_{item.pk}"] = forms.ChoiceField(
                label=f"{item.element.label} ({item.element}, {item.years})",
                choices=[("", "Choose"), ("approve", "Approve"), ("decline", "Decline")],
            )
            self.fields[f"reason_{item.pk}"] = forms.CharField(
                label=f"Reason for {item.element.name}", required=False, max_length=1000
            )
        self.order_fields([*self.fields.keys() - {"note"}, "note"])

    def decisions(self) -> dict[int, tuple[bool, str]]:
        return {
            item.pk: (
                self.cleaned_data[f"decision_{item.pk}"] == "approve",
                self.cleaned_data[f"reason_{item.pk}"],
            )
            for item in self.items
        }


class ConflictForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label="Do you have a conflict of interest with this request?",
        choices=[("", "Choose"), ("no", "No conflict"), ("yes", "Yes: I recuse myself")],
        coerce=lambda value: value == "yes",
    )
    description = forms.CharField(
        label="The conflict (if any)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


SCORES = [("", "Score"), *[(str(n), str(n)) for n in range(1, 6)]]


class ReviewForm(forms.Form):
    vote = forms.ChoiceField(label="Vote", choices=[("", "Choose"), *Vote.choices])
    rationale = forms.CharField(label="Rationale", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label in CRITERIA:
            self.fields[f"score_{key}"] = forms.TypedChoiceField(
                label=f"{label} (1 poor, 5 strong)", choices=SCORES, coerce=int
            )
        self.order_fields([f"score_{key}" for key, _ in CRITERIA])

    def scores(self) -> dict[str, int]:
        return {key: self.cleaned_data[f"score_{key}"] for key, _ in CRITERIA}


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision", choices=[("", "Choose"), *Decision.Outcome.choices]
    )
    rationale = forms.CharField(label="Rationale", widget=forms.Textarea(attrs={"rows": 3}))
    conditions = forms.CharField(
        label="Conditions (for an approval)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason_categories = forms.MultipleChoiceField(
        label="Reasons (for a denial)",
        required=False,
        choices=DenialReason.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )
    granted = forms.TypedMultipleChoiceField(
        label="Elements granted (for an approval)",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )

    def __init__(self, *args, approvable: list[RequestedElement], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["granted"].choices = [
            (item.pk, f"{item.element.label} ({item.element}, {item.years})") for item in approvable
        ]
        self.fields["granted"].initial = [item.pk for item in approvable]


class TrainingForm(forms.Form):
    attested = forms.BooleanField(
        label="I have read the orientation and will follow it.", required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for question in QUIZ:
            self.fields[f"q_{question.key}"] = forms.ChoiceField(
                label=question.text, choices=[("", "Choose an answer"), *question.choices]
            )
        self.order_fields([f"q_{question.key}" for question in QUIZ])

    def answers(self) -> dict[str, str]:
        return {question.key: self.cleaned_data[f"q_{question.key}"] for question in QUIZ}


class CommitteeRulesForm(forms.Form):
    quorum = forms.IntegerField(label="Quorum (votes before any decision)", min_value=2)
    minimum_approvals = forms.IntegerField(
        label="Votes needed for the outcome recorded", min_value=2
    )
    require_outside_approval = forms.BooleanField(
        label="An approval needs a member from outside the research office", required=False
    )
