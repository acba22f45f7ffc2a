"""Forms of the research office and project pages. They check input; services make changes."""

from __future__ import annotations

from django import forms

from steward.accounts.models import Organization, User
from steward.accounts.roles import Role
from steward.agenda.models import AgendaQuestion, Partnership, PreAnalysisPlan, Project

DATE = forms.DateInput(attrs={"type": "date"})


class Checkboxes(forms.CheckboxSelectMultiple):
    """USWDS checkboxes (the stock widget would be styled as radio buttons)."""

    template_name = "agenda/widgets/checkboxes.html"
    option_template_name = "agenda/widgets/checkbox_option.html"


def _people(role: Role | None = None):
    people = User.objects.filter(is_active=True).order_by("full_name")
    if role is not None:
        people = people.filter(groups__name=str(role))
    return people


class QuestionForm(forms.ModelForm):
    class Meta:
        model = AgendaQuestion
        fields = ["title", "description", "policy_area", "priority", "source"]


class QuestionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=AgendaQuestion.Status.choices)


class PartnershipForm(forms.ModelForm):
    class Meta:
        model = Partnership
        fields = [
            "name",
            "kind",
            "summary",
            "proposes_questions",
            "decides_publication",
            "interprets_findings",
            "disseminates",
            "independence",
            "review_period_days",
            "starts_on",
            "ends_on",
        ]
        labels = {
            "proposes_questions": "Who proposes questions",
            "decides_publication": "Who decides what is published",
            "interprets_findings": "Who interprets findings",
            "disseminates": "Who disseminates findings",
            "independence": "Researchers' independence",
            "review_period_days": "Review period before publication (days)",
            "starts_on": "Term starts",
            "ends_on": "Term ends",
        }
        widgets = {"starts_on": DATE, "ends_on": DATE}


class PartyForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.all())
    role = forms.CharField(max_length=200, help_text="For example: research partner.")


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    title = forms.CharField(max_length=200, required=False)
    organization = forms.ModelChoiceField(queryset=Organization.objects.all(), required=False)
    email = forms.EmailField()
    phone = forms.CharField(max_length=40, required=False)


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=200)
    url = forms.URLField(
        max_length=500, label="Address (URL) of the document", assume_scheme="https"
    )


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "partnership",
            "title",
            "summary",
            "questions",
            "pi",
            "team",
            "liaison",
            "starts_on",
            "ends_on",
        ]
        labels = {"questions": "Agenda questions it addresses"}
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "questions": Checkboxes,
            "team": forms.SelectMultiple,
        }

    def __init__(self, *args, editing: bool = False, may_assign_liaison: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pi"].queryset = _people(Role.RESEARCHER)
        self.fields["team"].queryset = _people(Role.RESEARCHER)
        self.fields["team"].required = False
        self.fields["liaison"].queryset = _people(Role.LIAISON)
        if editing:
            # The partnership and the PI are set when the project opens.
            del self.fields["partnership"]
            del self.fields["pi"]
            if not may_assign_liaison:
                del self.fields["liaison"]


class ProjectStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Project.Status.choices)


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_on = forms.DateField(widget=DATE, label="Due date")
    owner = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(pk__in=[p.pk for p in people])


class MeetingForm(forms.Form):
    held_on = forms.DateField(widget=DATE, label="Date of the meeting")
    attendees = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="One per line.")
    notes = forms.CharField(widget=forms.Textarea, required=False)
    action = forms.CharField(max_length=500, required=False, label="An action decided (optional)")
    action_owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Owner of the action"
    )
    action_due_on = forms.DateField(widget=DATE, required=False, label="Action due date")

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action_owner"].queryset = User.objects.filter(pk__in=[p.pk for p in people])

    def clean(self):
        data = super().clean()
        if data.get("action") and not (data.get("action_owner") and data.get("action_due_on")):
            raise forms.ValidationError("An action needs an owner and a due date.")
        return data


class ActionForm(forms.Form):
    description = forms.CharField(max_length=500)
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    due_on = forms.DateField(widget=DATE, label="Due date")

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(pk__in=[p.pk for p in people])


class InterimFindingForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea)


class PlanForm(forms.ModelForm):
    class Meta:
        model = PreAnalysisPlan
        fields = ["questions", "data", "methods", "outcomes", "change_note"]
        labels = {
            "questions": "Questions or hypotheses",
            "data": "Data",
            "methods": "Methods",
            "outcomes": "Outcomes",
            "change_note": "What changed from the previous version, and why",
        }

    def __init__(self, *args, first: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if first:
            del self.fields["change_note"]
        else:
            self.fields["change_note"].required = True
