"""Forms of agreements: drafting, the terms and FERPA checklist, signing and accepting,
amendments and their approval, the closeout certificate, and the template."""

from __future__ import annotations

from django import forms

from steward.accounts.models import Organization, User
from steward.accounts.roles import Role
from steward.agenda.models import Project
from steward.agreements.checklist import FERPA_CHECKLIST
from steward.agreements.models import AgreementVersion, Grant
from steward.agreements.services import SEA_SIGNER_ROLES, TERM_FIELDS
from steward.catalog.models import Element

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def sea_signers():
    return User.objects.filter(
        is_active=True,
        organization__kind=Organization.Kind.AGENCY,
        organization__agency_kind=Organization.AgencyKind.SEA,
        groups__name__in=[str(role) for role in SEA_SIGNER_ROLES],
    ).distinct()


def organization_signers(organization):
    return User.objects.filter(
        is_active=True, organization=organization, groups__name=Role.RESEARCHER
    ).distinct()


class DraftForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.all(), label="Project the agreement serves"
    )
    sea_signer = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Signs for the Department"
    )
    organization_signer = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Signs for the research organization"
    )

    def __init__(self, *args, data_request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sea_signer"].queryset = sea_signers()
        organization = data_request.created_by.organization
        self.fields["organization_signer"].queryset = organization_signers(organization)
        if data_request.project_id:
            self.fields["project"].initial = data_request.project_id
        chair = sea_signers().filter(groups__name=Role.CHAIR).first()
        self.fields["sea_signer"].initial = chair.pk if chair else None
        self.fields["organization_signer"].initial = data_request.created_by_id


class TermsForm(forms.ModelForm):
    """The draft's terms, and the FERPA checklist the liaison confirms item by item."""

    class Meta:
        model = AgreementVersion
        fields = list(TERM_FIELDS)
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in (
                    "purpose",
                    "scope_of_work",
                    "goals",
                    "deliverables",
                    "timeline",
                    "security_transfer",
                    "security_storage",
                    "security_use",
                    "legal_compliance",
                    "renewal_terms",
                    "refresh_schedule",
                    "interim_findings",
                    "feedback",
                )
            },
        }
        labels = {
            "matching_authorized": "Matching across datasets is authorized",
            "disposition_days": "Days after the end to destroy or return the data",
            "publication_review_days": "Days the Department reviews before publication",
            "point_of_contact": "The Department's point of contact",
            "sea_signer": "Signs for the Department",
            "organization_signer": "Signs for the research organization",
            "refresh_schedule": "Refresh schedule (empty: disclosed once)",
        }

    def __init__(self, *args, agreement, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("purpose", "scope_of_work", "allowable_use", "disposition"):
            self.fields[name].required = False
        self.fields["sea_signer"].queryset = sea_signers()
        self.fields["organization_signer"].queryset = organization_signers(
            agreement.research_organization
        )
        self.fields["point_of_contact"].queryset = User.objects.filter(
            groups__name=Role.LIAISON
        ).distinct()
        ticked = self.instance.ferpa_checklist or {}
        for key, label in FERPA_CHECKLIST:
            self.fields[f"ferpa_{key}"] = forms.BooleanField(
                label=label, required=False, initial=bool(ticked.get(key))
            )

    def terms(self) -> dict:
        return {name: self.cleaned_data[name] for name in TERM_FIELDS}

    def checklist(self) -> dict[str, bool]:
        return {key: self.cleaned_data[f"ferpa_{key}"] for key, _ in FERPA_CHECKLIST}

    def ferpa_fields(self):
        return [self[f"ferpa_{key}"] for key, _ in FERPA_CHECKLIST]

    def term_fields(self):
        return [self[name] for name in TERM_FIELDS]


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your full name", max_length=200, help_text="As your account gives it."
    )
    attest = forms.BooleanField(label="I confirm the statement above", required=False)


class AmendForm(forms.Form):
    reason = forms.CharField(
        label="Why the agreement changes", widget=forms.Textarea(attrs={"rows": 3})
    )
    ends_on = forms.DateField(
        label="New end date (to extend the term)", required=False, widget=DATE
    )
    element = forms.ModelChoiceField(
        queryset=Element.objects.none(), label="Add an element", required=False
    )
    first_year = forms.IntegerField(label="First year", required=False, min_value=1990)
    last_year = forms.IntegerField(label="Last year", required=False, min_value=1990)
    grades = forms.CharField(label="Grades", required=False, max_length=60)
    cohorts = forms.CharField(label="Cohorts", required=False, max_length=60)
    remove = forms.MultipleChoiceField(
        label="Remove elements", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, grants: list[Grant], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        granted = [grant.element_id for grant in grants]
        self.fields["element"].queryset = (
            Element.objects.filter(active=True, dataset__active=True)
            .exclude(pk__in=granted)
            .exclude(classification__level__lt=1)
            .select_related("dataset__agency", "classification")
            .order_by("dataset__agency__name", "dataset__position", "position")
        )
        self.fields["element"].label_from_instance = lambda element: (
            f"{element.dataset.agency.name}: {element.label} ({element}, "
            f"level {element.classification.level})"
        )
        self.fields["remove"].choices = [
            (str(grant.element_id), f"{grant.element.label} ({grant.element}, {grant.years})")
            for grant in grants
        ]

    def clean(self):
        data = super().clean()
        if data.get("element") and not (data.get("first_year") and data.get("last_year")):
            self.add_error("first_year", "Give the first and last years of the added element.")
        return data


class ApproveForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("", "Choose"), ("approve", "Approve"), ("reject", "Do not approve")],
    )
    note = forms.CharField(
        label="Note (required when not approving)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AmendmentVoteForm(forms.Form):
    vote = forms.ChoiceField(
        label="Your vote",
        choices=[("", "Choose"), ("approve", "Approve"), ("deny", "Deny")],
    )
    rationale = forms.CharField(
        label="Rationale", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class CertificateForm(forms.Form):
    method = forms.ChoiceField(
        label="The data was", choices=[("destroy", "Destroyed"), ("return", "Returned")]
    )
    completed_on = forms.DateField(label="On", widget=DATE)
    description = forms.CharField(
        label="What was destroyed or returned, where and how",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    typed_name = forms.CharField(label="Type your full name", max_length=200)
    attest = forms.BooleanField(label="I certify the statement above", required=False)


class TemplateForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    body = forms.CharField(
        label="Text", widget=forms.Textarea(attrs={"rows": 30, "class": "steward-code"})
    )
    note = forms.CharField(label="What changed, and why", max_length=300, required=False)
