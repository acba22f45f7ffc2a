"""A big report built in the background: its specification, its job, and once protected, the
protected table (published values and the reasons for hidden cells only, never a true count)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReportRun(models.Model):
    """A report too large to protect within a page request, built and protected by a job."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    spec = models.JSONField(help_text="The report's specification (ReportSpec.to_query).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    estimated_cells = models.PositiveIntegerField(default=0)
    columns = models.JSONField(default=list, blank=True)
    rows = models.JSONField(
        default=list, blank=True, help_text="Protected cells: codes, value shown, hidden, reason."
    )
    certificate = models.JSONField(default=dict, blank=True)
    n_cells = models.PositiveIntegerField(default=0)
    n_suppressed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.status})"
