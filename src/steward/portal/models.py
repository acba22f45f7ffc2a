"""What the public portal keeps of its own: the research-use log, visitors' comments, and the
named privacy contact."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from steward.agenda.models import Project


class ResearchUse(models.Model):
    """A recorded use of the research: a citation, a district's use, a policy decision."""

    class Kind(models.TextChoices):
        CITATION = "citation", "Citation"
        DISTRICT = "district", "District use"
        POLICY = "policy", "Policy decision"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(help_text="What was used, and how.")
    used_by = models.CharField(max_length=200, help_text="Who used it (a district, a journal...).")
    used_on = models.DateField()
    source = models.CharField(
        max_length=500, help_text="Where this use is recorded: a citation, minutes, a letter."
    )
    source_url = models.URLField(max_length=500, blank=True)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="research_uses"
    )
    finding = models.ForeignKey(
        "outputs.Finding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="research_uses",
        help_text="The published finding this use drew on.",
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-used_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.used_by}"


class Comment(models.Model):
    """A visitor's comment on a project, shown only once a moderator approves it.

    No email or network address is kept: a comment is public once approved, and its author
    need not be identifiable to the agency.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField(max_length=100, blank=True)
    body = models.TextField(max_length=4000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(default=timezone.now)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.project_id} ({self.status})"


class PrivacyContact(models.Model):
    """The person the public contacts about privacy, set by an administrator. The newest row
    is the one shown; without any, settings.PRIVACY_CONTACT is."""

    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=40)
    mailing_address = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.name
