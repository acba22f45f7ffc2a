"""Data requests and the steps they pass: screening, each agency's sign-off, the committee's
reviews and votes, the chair's decision, public denial reports, and privacy training."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from steward.accounts.models import Organization
from steward.accounts.roles import StudyRole
from steward.catalog.models import Element

User = settings.AUTH_USER_MODEL


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    SCREENING = "screening", "In screening"
    RETURNED = "returned", "Returned at screening"
    SIGNOFF = "signoff", "Agency sign-off"
    COMMITTEE = "committee", "Committee review"
    REVISIONS = "revisions", "Revisions requested"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


# Every move a request may make; anything else is refused (DESIGN.md, the lifecycle).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset({Status.SCREENING}),
    Status.SCREENING: frozenset({Status.RETURNED, Status.SIGNOFF}),
    Status.RETURNED: frozenset({Status.SUBMITTED}),
    Status.SIGNOFF: frozenset({Status.COMMITTEE, Status.DENIED}),
    Status.COMMITTEE: frozenset({Status.APPROVED, Status.DENIED, Status.REVISIONS}),
    Status.REVISIONS: frozenset({Status.SUBMITTED}),
    Status.APPROVED: frozenset(),
    Status.DENIED: frozenset(),
}
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED, Status.REVISIONS})
IN_REVIEW = frozenset({Status.SUBMITTED, Status.SCREENING, Status.SIGNOFF, Status.COMMITTEE})
DECIDED = frozenset({Status.APPROVED, Status.DENIED, Status.REVISIONS})


class DataRequest(models.Model):
    """A request for data: who asks, for what study, which elements, under which safeguards."""

    class RequesterType(models.TextChoices):
        RESEARCHER = "researcher", "Researcher"
        VENDOR = "vendor", "Vendor or contractor"
        AGENCY_STAFF = "agency_staff", "Agency staff"

    class FerpaException(models.TextChoices):
        STUDIES = "studies", "Studies exception (34 CFR 99.31(a)(6))"
        AUDIT = "audit_evaluation", "Audit or evaluation exception (34 CFR 99.31(a)(3))"

    class IrbStatus(models.TextChoices):
        APPROVED = "approved", "Approved"
        EXEMPT = "exempt", "Exempt"

    class SecurityPlan(models.TextChoices):
        WORKSPACE = "workspace", "The platform's secure workspace"
        ENVIRONMENT = "environment", "An approved environment, described below"

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=0, help_text="Submitted versions so far.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="data_requests")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    requester_type = models.CharField(
        max_length=20, choices=RequesterType.choices, default=RequesterType.RESEARCHER
    )
    requesting_organization = models.CharField(max_length=200, blank=True)
    project = models.ForeignKey(
        "agenda.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_requests",
        help_text="The study this request serves, if registered.",
    )
    agenda_questions = models.ManyToManyField(
        "agenda.AgendaQuestion",
        blank=True,
        related_name="data_requests",
        help_text="The questions of the state's research agenda this request helps answer.",
    )
    project_title = models.CharField(max_length=300, blank=True)
    project_summary = models.TextField(blank=True)
    purpose = models.TextField(blank=True)
    research_questions = models.TextField(blank=True, help_text="One question per line.")
    agenda_alignment = models.TextField(
        blank=True,
        help_text="Which questions of the state's research agenda this answers, and how.",
    )
    linkage_needed = models.BooleanField(default=False)
    linkage_description = models.TextField(blank=True)
    ferpa_exception = models.CharField(max_length=20, choices=FerpaException.choices, blank=True)
    irb_institution = models.CharField(max_length=200, blank=True)
    irb_protocol = models.CharField(max_length=80, blank=True)
    irb_status = models.CharField(max_length=10, choices=IrbStatus.choices, blank=True)
    irb_project_title = models.CharField(
        max_length=300,
        blank=True,
        help_text="The study's title exactly as the IRB letter gives it.",
    )
    irb_approved_on = models.DateField(null=True, blank=True)
    irb_expires_on = models.DateField(null=True, blank=True)
    irb_letter = models.FileField(upload_to="irb-letters/%Y/", blank=True)
    security_plan = models.CharField(max_length=20, choices=SecurityPlan.choices, blank=True)
    security_environment = models.TextField(blank=True)
    publication_plan = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    timeline = models.TextField(blank=True, help_text="Milestones, one a line.")

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["status", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.project_title or '(untitled)'}"

    @property
    def reference(self) -> str:
        return f"DR-{self.pk:04d}" if self.pk else "DR-new"

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    def holds_valid_irb(self, on=None) -> bool:
        """An IRB approval or exemption on file, with a letter, not expired on the given day."""
        today = on or timezone.localdate()
        return bool(
            self.irb_status
            and self.irb_protocol
            and self.irb_letter
            and self.irb_approved_on
            and (self.irb_expires_on is None or self.irb_expires_on >= today)
        )


class RequestedElement(models.Model):
    """One catalog element asked for, with its years, population and justification."""

    class Signoff(models.TextChoices):
        PENDING = "pending", "Waiting for the agency"
        APPROVED = "approved", "Approved by the agency"
        DECLINED = "declined", "Declined by the agency"

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="elements")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    first_year = models.PositiveSmallIntegerField()
    last_year = models.PositiveSmallIntegerField()
    grades = models.CharField(max_length=60, blank=True, help_text="For example 6-8.")
    cohorts = models.CharField(max_length=60, blank=True, help_text="For example 2016-2019.")
    schools_or_districts = models.CharField(
        max_length=300, blank=True, help_text="Empty for statewide; otherwise their names or ids."
    )
    justification = models.TextField(blank=True)
    signoff = models.CharField(max_length=10, choices=Signoff.choices, default=Signoff.PENDING)
    signoff_reason = models.TextField(blank=True)
    granted = models.BooleanField(null=True, help_text="Set by the decision; empty before.")

    class Meta:
        ordering = ["agency__name", "element__dataset__position", "element__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "element"], name="element_once_per_request"),
            models.CheckConstraint(
                condition=Q(first_year__lte=models.F("last_year")), name="years_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.element} {self.years}"

    @property
    def years(self) -> str:
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}-{self.last_year}"


class RequestPerson(models.Model):
    """A registered person named on the request, with their role in the study."""

    Role = StudyRole

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="personnel")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="request_roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["role", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["request", "user"], name="person_once_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class RequestVersion(models.Model):
    """What the request said when it was submitted, kept to show what a resubmission changed."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="one_snapshot_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} v{self.number}"


class StatusChange(models.Model):
    """One move of a request, for its clock: the time spent in each state."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Screening(models.Model):
    """The liaison's completeness check of one submitted version."""

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed on to the agencies"
        RETURNED = "returned", "Returned to the requester"

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="screenings")
    version = models.PositiveIntegerField()
    checklist = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    comments = models.TextField(blank=True)
    screened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="one_screening_per_version")
        ]

    def __str__(self) -> str:
        return f"screening v{self.version}: {self.outcome}"


class AgencySignoff(models.Model):
    """One agency's data steward deciding about its own elements of one version."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved every element"
        PARTIAL = "partial", "Approved some elements"
        DECLINED = "declined", "Declined every element"

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="signoffs")
    version = models.PositiveIntegerField()
    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    steward = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "version", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "version", "agency"], name="one_signoff_per_agency_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} v{self.version}: {self.outcome}"


class Perspective(models.TextChoices):
    LEGAL = "legal", "Legal"
    SECURITY = "security", "IT and security"
    POLICY = "policy", "Policy"
    RESEARCH = "research", "Research"
    DISTRICT = "district", "District"
    LEGISLATIVE = "legislative", "Legislative"


class CommitteeMember(models.Model):
    """The perspective a review committee member brings; membership itself is the role."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="committee_profile")
    perspective = models.CharField(max_length=12, choices=Perspective.choices)
    in_research_office = models.BooleanField(
        default=False,
        help_text="Works in the agency's research office (the rules ask for an "
        "approval from someone outside it).",
    )

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_perspective_display()})"


class CommitteeRules(models.Model):
    """The committee's voting rules; one row. No rule lets a single person decide."""

    quorum = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text="Votes needed before the chair may record any decision.",
    )
    minimum_approvals = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text="Votes needed for the outcome the chair records (approve, deny or revise).",
    )
    require_outside_approval = models.BooleanField(
        default=True,
        help_text="An approval needs at least one approving member from outside "
        "the research office.",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "committee rules"
        constraints = [
            models.CheckConstraint(condition=Q(quorum__gte=2), name="quorum_at_least_two"),
            models.CheckConstraint(
                condition=Q(minimum_approvals__gte=2), name="minimum_approvals_at_least_two"
            ),
            models.CheckConstraint(
                condition=Q(minimum_approvals__lte=models.F("quorum")),
                name="minimum_approvals_within_quorum",
            ),
        ]

    def __str__(self) -> str:
        return f"quorum {self.quorum}, {self.minimum_approvals} votes"


class ConflictDeclaration(models.Model):
    """A member's declaration about one request; a conflict recuses them from it."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="conflicts")
    member = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    has_conflict = models.BooleanField()
    description = models.TextField(blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "member"], name="one_declaration_per_member")
        ]

    def __str__(self) -> str:
        return "conflict" if self.has_conflict else "no conflict"


class Vote(models.TextChoices):
    APPROVE = "approve", "Approve"
    DENY = "deny", "Deny"
    REVISE = "revise", "Request revisions"


CRITERIA = (
    ("agenda_alignment", "Alignment with the research agenda"),
    ("minimum_necessary", "Minimum necessary data"),
    ("feasibility", "Feasibility"),
    ("privacy_risk", "Privacy risk managed"),
    ("irb", "IRB and ethics"),
)


class Review(models.Model):
    """A member's scores (1-5 per criterion), vote and rationale on one version."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="reviews")
    version = models.PositiveIntegerField()
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(default=dict)
    vote = models.CharField(max_length=10, choices=Vote.choices)
    rationale = models.TextField()
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "version", "reviewed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "version", "reviewer"], name="one_review_per_member_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"review v{self.version}: {self.vote}"


class DenialReason(models.TextChoices):
    AGENDA = "agenda", "Not aligned with the research agenda"
    MINIMUM_NECESSARY = "minimum_necessary", "More data than the study needs"
    PRIVACY = "privacy", "Privacy risk too high"
    SECURITY = "security", "Data security plan not sufficient"
    FERPA = "ferpa", "No FERPA exception applies"
    IRB = "irb", "IRB approval missing or insufficient"
    FEASIBILITY = "feasibility", "Not feasible as designed"
    AGENCY_DECLINED = "agency_declined", "The agencies declined every element"
    COMMERCIAL = "commercial", "Commercial use of student data"


class Decision(models.Model):
    """The chair's record of the committee's decision on one version."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        REVISIONS = "revisions", "Revisions requested"

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="decisions")
    version = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rationale = models.TextField()
    conditions = models.TextField(blank=True)
    reason_categories = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="one_decision_per_version")
        ]

    def __str__(self) -> str:
        return f"decision v{self.version}: {self.outcome}"

    @property
    def reason_labels(self) -> list[str]:
        return [DenialReason(code).label for code in self.reason_categories]


class DenialReport(models.Model):
    """The public record of a denied request that held IRB approval; no personal data."""

    request = models.OneToOneField(
        DataRequest, on_delete=models.PROTECT, related_name="denial_report"
    )
    project_title = models.CharField(max_length=300)
    requesting_organization = models.CharField(max_length=200)
    requester_type = models.CharField(max_length=20, choices=DataRequest.RequesterType.choices)
    reason_categories = models.JSONField(default=list)
    denied_on = models.DateField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-denied_on", "-pk"]

    def __str__(self) -> str:
        return f"denial report: {self.project_title}"

    @property
    def reason_labels(self) -> list[str]:
        return [DenialReason(code).label for code in self.reason_categories]


TRAINING_VALID_DAYS = 365


class TrainingCompletion(models.Model):
    """A person's privacy orientation: attested and quiz passed; valid for 12 months."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trainings")
    module_version = models.CharField(max_length=20)
    completed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    quiz_score = models.PositiveSmallIntegerField()
    quiz_total = models.PositiveSmallIntegerField()
    attested = models.BooleanField()

    class Meta:
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["user", "-expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(attested=True), name="training_is_attested"),
        ]

    def __str__(self) -> str:
        return f"training {self.module_version} until {self.expires_at:%Y-%m-%d}"

    @staticmethod
    def expiry_for(completed_at):
        return completed_at + timedelta(days=TRAINING_VALID_DAYS)
