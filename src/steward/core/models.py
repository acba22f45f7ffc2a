"""The audit chain and long-running jobs."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One link of the append-only audit chain. Database triggers refuse UPDATE and DELETE."""

    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, help_text="Who acted, as known at the time.")
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class Job(models.Model):
    """A piece of long-running work, with progress a page and a progress bar can show."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=80)
    title = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    log = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    # Longer than any job takes (a state table's protection or audit, a few minutes behind a
    # queue): a job not finished this long after it was asked for lost its worker.
    LOST_AFTER = timedelta(hours=2)

    @property
    def is_lost(self) -> bool:
        """Not finished, and asked for so long ago that its worker must have stopped."""
        return not self.is_finished and timezone.now() - self.created_at >= self.LOST_AFTER

    @property
    def percent(self) -> int:
        if self.total == 0:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, round(100 * self.done / self.total))


class PageChange(models.Model):
    """One committed write that may show on a public page; the largest id is the database's
    change number, which keys the public page cache (see steward.core.pagecache)."""

    id = models.BigAutoField(primary_key=True)

    def __str__(self) -> str:
        return f"change {self.id}"
