"""Linkage runs, the pairs they put up for review, and the current crosswalk per agency pair."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from steward.accounts.models import Organization
from steward.dataplane.linkage.quality import default_review_band


class LinkageRun(models.Model):
    """One linkage of the SEA's students with another agency's people, and what it found.

    The run's crosswalk is an encrypted file under ``DATA_DIR/linkage/<key>/``; this row keeps
    what was asked (settings, inputs), what came out (figures) and who did it, so runs compare.
    """

    class Mode(models.TextChoices):
        CLEAR = "clear", "Clear text (Splink)"
        PRIVATE = "private", "Privacy-preserving (keyed encodings)"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    from_agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.CLEAR)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    config = models.JSONField(default=dict, help_text="Settings: the LinkageConfig the run used.")
    input_versions = models.ManyToManyField(
        "catalog.DatasetVersion", related_name="linkage_runs", blank=True
    )
    figures = models.JSONField(
        default=dict, blank=True, help_text="Counts, diagnostics and metrics; never a record."
    )
    charts_path = models.CharField(
        max_length=500, blank=True, help_text="Vega-Lite specs, relative to the data folder."
    )
    crosswalk_path = models.CharField(
        max_length=500, blank=True, help_text="Encrypted crosswalk, relative to the data folder."
    )
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["from_agency", "to_agency", "status"])]

    def __str__(self) -> str:
        return f"Linkage run {self.pk}: {self.from_agency_code} to {self.to_agency_code}"

    @property
    def key(self) -> str:
        """The run's folder and key name under ``linkage/`` (``run-<pk>``)."""
        return f"run-{self.pk}"

    @property
    def from_agency_code(self) -> str:
        return self.from_agency.agency_kind

    @property
    def to_agency_code(self) -> str:
        return self.to_agency.agency_kind

    @property
    def agency_ids(self) -> set[int]:
        return {self.from_agency_id, self.to_agency_id}

    @property
    def counts(self) -> dict:
        return self.figures.get("counts", {})

    @property
    def metrics(self) -> dict | None:
        return self.figures.get("metrics")

    @property
    def review_band(self) -> tuple[float, float]:
        """The match probabilities [low, high) whose pairs went to review (runs recorded
        before the band was kept in the settings used the default one)."""
        band = self.config.get("review_band")
        if band:
            return band[0], band[1]
        return default_review_band(self.config.get("threshold", 0.9))

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ReviewPair(models.Model):
    """A pair near the threshold that a data steward of the two agencies decides.

    ``sea_id`` and ``other_id`` are the agencies' own ids (clear text) or record tokens
    (privacy-preserving); decisions apply, in the same id space, to the next run.
    """

    class Decision(models.TextChoices):
        MATCH = "match", "Same person"
        NON_MATCH = "non_match", "Different people"

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="review_pairs")
    position = models.PositiveIntegerField(help_text="Place in the queue, most likely first.")
    sea_id = models.CharField(max_length=64)
    other_id = models.CharField(max_length=64)
    probability = models.FloatField()
    match_weight = models.FloatField()
    linked = models.BooleanField(help_text="Whether the run linked this pair.")
    decision = models.CharField(
        max_length=10, choices=Decision.choices, blank=True, help_text="Empty until decided."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="review_pair_position"),
            models.UniqueConstraint(fields=["run", "sea_id", "other_id"], name="review_pair_once"),
        ]

    def __str__(self) -> str:
        return f"Pair {self.position} of run {self.run_id}"


class Crosswalk(models.Model):
    """The current crosswalk of one agency pair and mode: the latest run a steward accepted."""

    from_agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=LinkageRun.Mode.choices)
    run = models.ForeignKey(LinkageRun, on_delete=models.PROTECT, related_name="+")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["from_agency", "to_agency", "mode"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_agency", "to_agency", "mode"], name="one_current_crosswalk"
            )
        ]

    def __str__(self) -> str:
        return f"Crosswalk {self.run.from_agency_code}-{self.run.to_agency_code} ({self.mode})"
