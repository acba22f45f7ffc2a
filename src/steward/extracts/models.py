"""Extracts built from an agreement, their files, each audited download, and the workspace's
queries. Student rows live only in the encrypted files under ``DATA_DIR/extracts/``; these
rows hold names, counts, checksums and decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

User = settings.AUTH_USER_MODEL


class Extract(models.Model):
    """One build (a version) of a project's de-identified extract under one agreement."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        FAILED = "failed", "Build failed"
        RISK_REVIEW = "risk_review", "Waiting for the privacy officer"
        COARSEN = "coarsen", "Coarsening requested"
        READY = "ready", "Ready for the named researchers"
        DESTROYED = "destroyed", "Destroyed"

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="extracts"
    )
    project = models.ForeignKey("agenda.Project", on_delete=models.PROTECT, related_name="extracts")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BUILDING)
    formats = models.JSONField(default=list, help_text="Formats the researchers chose.")
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveBigIntegerField(default=0)
    grants = models.JSONField(default=list, help_text="The grants it was built from.")
    risk = models.JSONField(
        default=list, help_text="Per file: k, share in small classes, rare combinations."
    )
    risk_share = models.FloatField(default=0.0)
    risk_k = models.PositiveIntegerField(default=5)
    risk_limit = models.FloatField(default=0.05)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    error = models.TextField(blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="one_extract_number")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.project}"

    @property
    def reference(self) -> str:
        return f"EX-{self.agreement_id:04d}-{self.number}"

    @property
    def folder_name(self) -> str:
        return f"v{self.number}-{self.pk}"

    @property
    def project_folder(self) -> str:
        return f"project-{self.project_id}"


class ExtractFile(models.Model):
    """One encrypted file of an extract (one agency dataset)."""

    extract = models.ForeignKey(Extract, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=140)
    agency = models.CharField(max_length=40)
    dataset = models.CharField(max_length=64)
    path = models.CharField(max_length=500, help_text="Relative to the data folder.")
    rows = models.PositiveBigIntegerField(default=0)
    columns = models.JSONField(default=list)
    years = models.JSONField(default=list)
    missing_years = models.JSONField(default=list)
    dropped = models.JSONField(default=list)
    population = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64)
    bytes = models.PositiveBigIntegerField(default=0)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["extract", "name"]
        constraints = [
            models.UniqueConstraint(fields=["extract", "name"], name="one_file_name_per_extract")
        ]

    def __str__(self) -> str:
        return f"{self.extract.reference} {self.name}"


class Download(models.Model):
    """One download of one file by one named researcher: the copy's checksum and fingerprint."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        REFUSED = "refused", "Refused"

    file = models.ForeignKey(ExtractFile, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="extract_downloads")
    format = models.CharField(max_length=10)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the bytes delivered.")
    bytes = models.PositiveBigIntegerField(default=0)
    fingerprint = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"download {self.pk} of {self.file}"


class WorkspaceQuery(models.Model):
    """One query run in the workspace, and what was shown or why not."""

    class Outcome(models.TextChoices):
        SHOWN = "shown", "Shown"
        WITHHELD = "withheld", "Withheld by the disclosure checks"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    extract = models.ForeignKey(Extract, on_delete=models.PROTECT, related_name="queries")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    sql = models.TextField()
    sql_sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reasons = models.JSONField(default=list)
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list, help_text="Only a result that passed the checks.")
    counts = models.JSONField(default=list, help_text="Records behind each shown row.")
    output = models.ForeignKey(
        "outputs.Output", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"query {self.pk} on {self.extract.reference}"
