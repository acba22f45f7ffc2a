"""Findings: a published result with its plain-language brief, the released tables it shows,
the agenda questions it answers, and the form links districts use to say how they used it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Finding(models.Model):
    """A project's result for the public: brief, full report, released tables; reviewed for the
    partnership's agreed period before it is published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review before publication"
        PUBLISHED = "published", "Published"

    project = models.ForeignKey("agenda.Project", on_delete=models.PROTECT, related_name="findings")
    title = models.CharField(max_length=300)
    summary = models.TextField(help_text="The finding in plain language.")
    implications = models.TextField(help_text="What it means for policy and practice.")
    limits = models.TextField(help_text="What it does not show, and why.")
    full_report = models.TextField(help_text="The full report, in paragraphs.")
    plan = models.ForeignKey(
        "agenda.PreAnalysisPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agreement = models.ForeignKey(
        "agreements.Agreement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outputs = models.ManyToManyField("outputs.Output", related_name="findings", blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    review_started_at = models.DateTimeField(null=True, blank=True)
    review_ends_at = models.DateTimeField(null=True, blank=True)
    sea_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sea_cleared_at = models.DateTimeField(null=True, blank=True)
    partner_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner_cleared_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class FindingQuestion(models.Model):
    """An agenda question a finding answers, fully or in part."""

    class Extent(models.TextChoices):
        ANSWERS = "answers", "Answered"
        PARTLY = "partly", "Partly answered"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        "agenda.AgendaQuestion", on_delete=models.PROTECT, related_name="finding_answers"
    )
    extent = models.CharField(max_length=10, choices=Extent.choices)

    class Meta:
        ordering = ["question__priority", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "question"], name="question_once_per_finding"
            )
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.get_extent_display()} {self.question_id}"


class UseSurvey(models.Model):
    """A standing, periodic ask: every so many days a district contact is mailed a new form
    link asking how the district used a published finding."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="surveys")
    district_name = models.CharField(max_length=200)
    contact_email = models.EmailField(help_text="Who in the district receives the form link.")
    every_days = models.PositiveIntegerField(
        default=365, help_text="Days between two asks (365: once a school year)."
    )
    next_ask_on = models.DateField(help_text="The day the next form link is mailed.")
    last_asked_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_ask_on", "pk"]
        indexes = [models.Index(fields=["active", "next_ask_on"])]

    def __str__(self) -> str:
        return f"{self.district_name} on {self.finding_id}, every {self.every_days} days"


class UseInvitation(models.Model):
    """A form link a district uses to say how it used a finding: made by the research office
    (the answer goes straight to the public log) or mailed by a periodic ask (the answer waits
    for the research office to confirm it)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="invitations")
    district_name = models.CharField(max_length=200)
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    survey = models.ForeignKey(
        UseSurvey, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    answer = models.JSONField(
        default=dict, blank=True, help_text="A mailed link's answer, held until it is confirmed."
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    use = models.ForeignKey(
        "portal.ResearchUse", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.district_name} on {self.finding_id}"

    @property
    def awaits_confirmation(self) -> bool:
        return bool(self.answer) and self.decided_at is None
