"""Data sharing agreements: the agreement, each version of its terms and grants, the parties'
signatures, each named researcher's acceptance, templates, notices and the closeout certificate.

The agreement is data, not only a document: a version's grants and terms are what enforcement
reads, and its stored text (rendered from the same record) is what the parties signed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from steward.accounts.models import Organization
from steward.accounts.roles import StudyRole
from steward.catalog.models import Element

User = settings.AUTH_USER_MODEL


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNATURE = "signature", "Out for signature"
    ACTIVE = "active", "Active"
    EXPIRING = "expiring", "Expiring"
    EXPIRED = "expired", "Expired"
    CLOSED = "closed", "Closed"


# Every move an agreement may make (DESIGN.md, the lifecycle); anything else is refused.
# Expiring → active is an extension: an amendment moved the end date past the reminders.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SIGNATURE}),
    Status.SIGNATURE: frozenset({Status.DRAFT, Status.ACTIVE}),
    Status.ACTIVE: frozenset({Status.EXPIRING, Status.EXPIRED}),
    Status.EXPIRING: frozenset({Status.ACTIVE, Status.EXPIRED}),
    Status.EXPIRED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
IN_FORCE = frozenset({Status.ACTIVE, Status.EXPIRING})
PUBLIC = frozenset({Status.ACTIVE, Status.EXPIRING, Status.EXPIRED, Status.CLOSED})


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Amendment awaiting approval"
    SIGNATURE = "signature", "Out for signature"
    EFFECTIVE = "effective", "In effect"
    SUPERSEDED = "superseded", "Superseded"
    REJECTED = "rejected", "Amendment not approved"


VERSION_TRANSITIONS: dict[str, frozenset[str]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.SIGNATURE}),
    VersionStatus.PROPOSED: frozenset({VersionStatus.SIGNATURE, VersionStatus.REJECTED}),
    VersionStatus.SIGNATURE: frozenset({VersionStatus.DRAFT, VersionStatus.EFFECTIVE}),
    VersionStatus.EFFECTIVE: frozenset({VersionStatus.SUPERSEDED}),
    VersionStatus.SUPERSEDED: frozenset(),
    VersionStatus.REJECTED: frozenset(),
}
OPEN_VERSION = frozenset({VersionStatus.DRAFT, VersionStatus.PROPOSED, VersionStatus.SIGNATURE})


class AgreementTemplate(models.Model):
    """One version of the agreement's legal text, with `{{ field }}` places for the terms.

    Versions are never edited: a change is a new version, and each agreement version keeps the
    text it was rendered with."""

    code = models.SlugField(max_length=40, default="standard")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    note = models.CharField(max_length=300, blank=True, help_text="What changed, and why.")
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Agreement(models.Model):
    """The data sharing agreement of one approved request, for one project."""

    data_request = models.ForeignKey(
        "access.DataRequest", on_delete=models.PROTECT, related_name="agreements"
    )
    project = models.ForeignKey(
        "agenda.Project", on_delete=models.PROTECT, related_name="agreements"
    )
    research_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="agreements"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When access ended.")
    closeout_due_on = models.DateField(null=True, blank=True)
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When an overdue closeout went to the privacy officer."
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.project}"

    @property
    def reference(self) -> str:
        return f"DSA-{self.pk:04d}" if self.pk else "DSA-new"

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE


class AgreementVersion(models.Model):
    """One version of an agreement's terms, grants and personnel: the original or an amendment."""

    class AllowableUse(models.TextChoices):
        SCOPE = "scope", "Only the scope of work described in this agreement"
        EXPLORATION = (
            "exploration",
            ("The scope of work, and further exploration within the stated purpose"),
        )

    class Disposition(models.TextChoices):
        DESTROY = "destroy", "Destroy"
        RETURN = "return", "Return to the agency"

    class Approval(models.TextChoices):
        NONE = "", "Not an amendment"
        LIAISON = "liaison", "The research liaison"
        COMMITTEE = "committee", "The review committee"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    # Terms.
    purpose = models.TextField(blank=True)
    scope_of_work = models.TextField(blank=True)
    goals = models.TextField(blank=True)
    deliverables = models.TextField(blank=True)
    timeline = models.TextField(blank=True)
    allowable_use = models.CharField(max_length=12, choices=AllowableUse.choices, blank=True)
    security_transfer = models.TextField(blank=True)
    security_storage = models.TextField(blank=True)
    security_use = models.TextField(blank=True)
    legal_compliance = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    renewal_terms = models.TextField(blank=True)
    refresh_schedule = models.TextField(blank=True)
    matching_authorized = models.BooleanField(default=False)
    disposition = models.CharField(max_length=8, choices=Disposition.choices, blank=True)
    disposition_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days after the end date by which data is destroyed or returned."
    )
    interim_findings = models.TextField(blank=True)
    feedback = models.TextField(blank=True)
    publication_review_days = models.PositiveSmallIntegerField(default=30)
    point_of_contact = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sea_signer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization_signer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ferpa_checklist = models.JSONField(default=dict, blank=True)

    # Amendments.
    reason = models.TextField(blank=True, help_text="Why the agreement changes.")
    approval_by = models.CharField(max_length=10, choices=Approval.choices, blank=True)
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)

    # What was rendered and signed.
    text = models.TextField(blank=True, help_text="The exact text rendered for signature.")
    sha256 = models.CharField(max_length=64, blank=True)
    obligations_sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="one_version_number"),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status__in=["draft", "proposed", "signature"]),
                name="one_open_version_per_agreement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference} v{self.number}"

    @property
    def is_amendment(self) -> bool:
        return self.number > 1

    @property
    def term(self) -> str:
        if not (self.starts_on and self.ends_on):
            return "not set"
        return f"{self.starts_on:%Y-%m-%d} to {self.ends_on:%Y-%m-%d}"


class Grant(models.Model):
    """What a version allows: one agency's element, for these years and this population."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="grants")
    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    first_year = models.PositiveSmallIntegerField()
    last_year = models.PositiveSmallIntegerField()
    grades = models.CharField(max_length=60, blank=True)
    cohorts = models.CharField(max_length=60, blank=True)
    schools_or_districts = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["agency__name", "element__dataset__position", "element__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "element"], name="element_once_per_version"),
            models.CheckConstraint(
                condition=Q(first_year__lte=models.F("last_year")), name="grant_years_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.element} {self.years}"

    @property
    def years(self) -> str:
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}-{self.last_year}"

    @property
    def population(self) -> str:
        parts = []
        if self.grades:
            parts.append(f"grades {self.grades}")
        if self.cohorts:
            parts.append(f"cohorts {self.cohorts}")
        parts.append(self.schools_or_districts or "statewide")
        return ", ".join(parts)


class VersionPerson(models.Model):
    """A researcher named on a version: only they may ever receive its data."""

    Role = StudyRole

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="agreement_roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["role", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="person_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class AmendmentVote(models.Model):
    """A committee member's vote, with its rationale, on an amendment the committee approves;
    the chair records the approval only when the votes meet the committee's rules."""

    class Choice(models.TextChoices):
        APPROVE = "approve", "Approve"
        DENY = "deny", "Deny"

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="votes")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=10, choices=Choice.choices)
    rationale = models.TextField()
    voted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "voted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "reviewer"], name="one_vote_per_member_and_amendment"
            )
        ]

    def __str__(self) -> str:
        return f"amendment vote: {self.vote}"


class Signature(models.Model):
    """A party's authorized signer signing one version: typed name, attestation, the hash."""

    class Party(models.TextChoices):
        SEA = "sea", "State education agency"
        ORGANIZATION = "organization", "Research organization"

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    party = models.CharField(max_length=12, choices=Party.choices)
    signer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(max_length=200)
    attestation = models.TextField()
    version_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "party"], name="one_signature_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} signature of v{self.version_id}"


class Acceptance(models.Model):
    """A named researcher's own acceptance of a version's obligations."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="acceptances"
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="agreement_acceptances")
    typed_name = models.CharField(max_length=200)
    version_sha256 = models.CharField(max_length=64)
    obligations_sha256 = models.CharField(max_length=64)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="one_acceptance_per_version")
        ]

    def __str__(self) -> str:
        return f"acceptance of v{self.version_id}"


class Notice(models.Model):
    """A reminder or escalation sent about an agreement, kept so that none goes out twice."""

    class Kind(models.TextChoices):
        EXPIRY = "expiry", "Expiry reminder"
        CLOSEOUT_OVERDUE = "closeout_overdue", "Overdue closeout escalated"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=60, help_text="For example expiry-30-2027-06-30.")
    days_before = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "key"], name="one_notice_per_key")
        ]

    def __str__(self) -> str:
        return self.key


class DispositionCertificate(models.Model):
    """The PI's certificate that the data was destroyed or returned."""

    agreement = models.OneToOneField(
        Agreement, on_delete=models.PROTECT, related_name="certificate"
    )
    method = models.CharField(max_length=8, choices=AgreementVersion.Disposition.choices)
    completed_on = models.DateField()
    description = models.TextField(help_text="What was destroyed or returned, where and how.")
    signer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(max_length=200)
    attestation = models.TextField()
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"certificate: data {self.done}"

    @property
    def done(self) -> str:
        return "destroyed" if self.method == AgreementVersion.Disposition.DESTROY else "returned"
