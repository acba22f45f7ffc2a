"""Output review: a researcher's output submitted for release, the engine's checks of each
cell, and the two independent human checks that release needs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from steward.accounts.models import Organization


class Output(models.Model):
    """One version of a result a project asks to release: a table, a figure's counts, or a
    model. The submitted content is kept only sealed; what leaves is the released table."""

    class Kind(models.TextChoices):
        TABLE = "table", "Table of counts or rates"
        FIGURE = "figure", "Figure, with its underlying counts"
        MODEL = "model", "Model results"

    class Status(models.TextChoices):
        CHECKS_FAILED = "checks_failed", "Stopped by the automatic checks"
        IN_REVIEW = "in_review", "With the checkers"
        CHANGES = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"
        RELEASED = "released", "Released"
        WITHDRAWN = "withdrawn", "Withdrawn"

    project = models.ForeignKey("agenda.Project", on_delete=models.PROTECT, related_name="outputs")
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resubmissions"
    )
    version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(help_text="What it is, so that a stranger can follow it.")
    population = models.CharField(max_length=300, help_text="Who it counts.")
    data_version = models.CharField(max_length=300, help_text="Which data, which version.")
    filename = models.CharField(max_length=200)
    dims = models.JSONField(default=list)
    count_column = models.CharField(max_length=100, blank=True)
    denominator_column = models.CharField(max_length=100, blank=True)
    residual_dof = models.PositiveIntegerField(null=True, blank=True)
    agencies = models.ManyToManyField(Organization, related_name="+", blank=True)
    rules = models.JSONField(default=dict, help_text="The rules the checks applied.")
    n_cells = models.PositiveIntegerField(default=0)
    n_unsafe = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, help_text="Of the submitted content.")
    sealed = models.BinaryField(editable=False)
    status = models.CharField(max_length=20, choices=Status.choices)
    status_changed_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outputs_submitted"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    release = models.OneToOneField(
        "outputs.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="output"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["project", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="released") | Q(released_at__isnull=False),
                name="released_output_has_its_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @property
    def is_table(self) -> bool:
        return self.kind in (self.Kind.TABLE, self.Kind.FIGURE)


class OutputCheck(models.Model):
    """One check of an output: the engine's, or one checker's decision with its reasons."""

    class Kind(models.TextChoices):
        ENGINE = "engine", "Automatic checks"
        LIAISON = "liaison", "The project's SEA liaison"
        STEWARD = "steward", "A data steward of a contributing agency"

    class Decision(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        APPROVE = "approve", "Approve"
        CHANGES = "changes", "Ask for changes"
        REJECT = "reject", "Reject"

    HUMAN_DECISIONS = (Decision.APPROVE, Decision.CHANGES, Decision.REJECT)

    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reasons = models.TextField()
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["output", "kind"], name="one_check_per_kind"),
            models.UniqueConstraint(
                fields=["output", "checker"],
                condition=Q(checker__isnull=False),
                name="a_checker_checks_an_output_once",
            ),
            models.CheckConstraint(
                condition=Q(kind="engine", checker__isnull=True)
                | (~Q(kind="engine") & Q(checker__isnull=False)),
                name="people_check_except_the_engine",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_decision_display()}"
