"""The research agenda, partnerships, projects, their timelines and meetings, and
pre-analysis plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from steward.accounts.models import Organization


class AgendaQuestion(models.Model):
    """A research question the state wants answered."""

    class Priority(models.IntegerChoices):
        HIGH = 1, "High"
        MEDIUM = 2, "Medium"
        LOW = 3, "Low"

    class Source(models.TextChoices):
        BOARD = "board", "Governance board"
        LEGISLATURE = "legislature", "Legislature"
        DISTRICTS = "districts", "School districts"
        STAKEHOLDERS = "stakeholders", "Stakeholder sessions"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        ANSWERED = "answered", "Answered"

    title = models.CharField(max_length=300)
    description = models.TextField(help_text="In plain language, for families and educators.")
    policy_area = models.CharField(max_length=120)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["priority", "created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Partnership(models.Model):
    """The standing relationship between the agency and researchers, with its ground rules."""

    class Kind(models.TextChoices):
        ALLIANCE = "alliance", "Research alliance"
        DESIGN = "design", "Design research partnership"
        NETWORK = "network", "Networked improvement community"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.TextField(help_text="What the partnership is for, in plain language.")
    proposes_questions = models.TextField(help_text="Who proposes the questions studied.")
    decides_publication = models.TextField(help_text="Who decides what is published, and how.")
    interprets_findings = models.TextField(help_text="Who interprets the findings.")
    disseminates = models.TextField(help_text="Who shares the findings, and with whom.")
    independence = models.TextField(help_text="How independent the researchers are.")
    review_period_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days the agency may review findings before they are published."
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnershipParty(models.Model):
    """An organization in a partnership, and the part it plays."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="partnerships"
    )
    role = models.CharField(max_length=200)

    class Meta:
        ordering = ["organization__kind", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organization"], name="one_party_per_organization"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.role})"


class PartnershipContact(models.Model):
    """Whom to call about a partnership."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnershipDocument(models.Model):
    """A document of the partnership (charter, memorandum of understanding), by reference."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Project(models.Model):
    """One study within a partnership."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    PUBLIC_STATUSES = (Status.ACTIVE, Status.COMPLETED)

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(max_length=300)
    summary = models.TextField(help_text="What the study asks and why, in plain language.")
    questions = models.ManyToManyField(AgendaQuestion, blank=True, related_name="projects")
    pi = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="projects_led",
        verbose_name="principal investigator",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="project_teams"
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="projects_liaised",
        verbose_name="agency liaison",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES


class Milestone(models.Model):
    """A step of a project's timeline, with its due date and owner."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["completed_on", "due_on"])]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:
        return self.completed_on is None and self.due_on < today


class Meeting(models.Model):
    """A progress meeting of a project: who came and what was said."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField()
    attendees = models.TextField(help_text="One name per line.")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Meeting of {self.held_on}"

    @property
    def attendee_list(self) -> list[str]:
        return [line.strip() for line in self.attendees.splitlines() if line.strip()]


class Action(models.Model):
    """Something a meeting decided someone will do, by a date."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["done_on", "due_on"])]

    def __str__(self) -> str:
        return self.description

    def is_overdue(self, today) -> bool:
        return self.done_on is None and self.due_on < today


class InterimFinding(models.Model):
    """A preliminary result the researchers share with the agency (not published)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="interim_findings")
    title = models.CharField(max_length=200)
    summary = models.TextField()
    shared_at = models.DateTimeField(default=timezone.now)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-shared_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class PreAnalysisPlan(models.Model):
    """One registered version of a project's plan. Database triggers refuse UPDATE and DELETE:
    a change is a new version."""

    SECTIONS = (
        ("questions", "Questions or hypotheses"),
        ("data", "Data"),
        ("methods", "Methods"),
        ("outcomes", "Outcomes"),
    )

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField()
    questions = models.TextField(verbose_name="questions or hypotheses")
    data = models.TextField()
    methods = models.TextField()
    outcomes = models.TextField()
    change_note = models.TextField(
        blank=True, help_text="For a new version: what changed, and why."
    )
    registered_at = models.DateTimeField(default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="one_plan_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.project} — plan version {self.version}"
