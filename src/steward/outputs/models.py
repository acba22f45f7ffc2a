"""The state's disclosure rules (versioned, per agency), tables protected on request, and the
ledger of releases: every table that left the platform, whatever produced it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from steward.accounts.models import Organization
from steward.dataplane.sdc import DisclosureRules

RULE_FIELDS = (
    "threshold",
    "zeros_disclosive",
    "rate_low",
    "rate_high",
    "rate_group_size",
    "rounding_base",
    "n",
    "k",
    "p",
    "dof",
)


class DisclosureRuleSet(models.Model):
    """One version of the rules of one agency, or of the state default (no agency).

    Versions are never edited: a change is a new row, so a certificate can name the version it
    used. The newest version of a scope is the one in force.
    """

    agency = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_rule_sets",
        limit_choices_to={"kind": Organization.Kind.AGENCY},
        help_text="Empty for the state default, which every agency's rules add to.",
    )
    version = models.PositiveIntegerField()
    threshold = models.PositiveIntegerField()
    zeros_disclosive = models.BooleanField()
    rate_low = models.FloatField()
    rate_high = models.FloatField()
    rate_group_size = models.PositiveIntegerField()
    rounding_base = models.PositiveIntegerField()
    n = models.PositiveIntegerField()
    k = models.FloatField()
    p = models.FloatField()
    dof = models.PositiveIntegerField()
    note = models.TextField(blank=True, help_text="Why the rules changed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "version"],
                condition=models.Q(agency__isnull=False),
                name="rule_set_version_per_agency",
            ),
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(agency__isnull=True),
                name="rule_set_version_state_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_name}, version {self.version}"

    @property
    def scope(self) -> str:
        return self.agency.code if self.agency_id else "state"

    @property
    def scope_name(self) -> str:
        return self.agency.name if self.agency_id else "State default"

    def to_rules(self) -> DisclosureRules:
        return DisclosureRules(**{name: getattr(self, name) for name in RULE_FIELDS})

    def reference(self) -> dict:
        """How a certificate names this version."""
        return {"id": self.pk, "scope": self.scope, "version": self.version}


class ProtectedTable(models.Model):
    """A table someone uploaded and had protected: the published table and its certificate.

    The uploaded counts themselves, and the reason behind each hidden cell, are kept only
    encrypted in `sealed` (for the ledger and the certificate's verification) and shown to
    nobody but the uploader.
    """

    class Status(models.TextChoices):
        PROTECTING = "protecting", "Being protected"
        READY = "ready", "Protected"
        FAILED = "failed", "Could not be protected"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="protected_tables"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.READY)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)
    filename = models.CharField(max_length=200)
    dims = models.JSONField(help_text="The dimension columns, in order.")
    count_column = models.CharField(max_length=100)
    denominator_column = models.CharField(max_length=100, blank=True)
    agencies = models.ManyToManyField(Organization, related_name="+", blank=True)
    rule_sets = models.ManyToManyField(DisclosureRuleSet, related_name="+", blank=True)
    rules = models.JSONField(help_text="The rules applied (the strictest of the agencies').")
    published = models.JSONField(
        default=dict, help_text="{columns, rows}: every cell as published."
    )
    certificate = models.JSONField(default=dict)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=20, blank=True)
    n_cells = models.PositiveIntegerField(default=0)
    n_suppressed = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(default=False)
    sealed = models.BinaryField(
        editable=False,
        help_text="Encrypted: the full table and the reasons; while it is being protected, the "
        "upload itself; nothing once it could not be protected.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.n_cells} cells)"

    @property
    def ready(self) -> bool:
        return self.status == self.Status.READY


class Release(models.Model):
    """The ledger: one table that left the platform, from a project or the SEA's own report.

    New tables are audited with the released tables of the same population, so that two tables
    that are each safe cannot be differenced into a small cell. Later work (output review,
    findings) links its own records to a release.
    """

    class Source(models.TextChoices):
        PROJECT = "project", "A research project"
        SEA_REPORT = "sea_report", "The SEA's own report"

    title = models.CharField(max_length=300)
    population = models.CharField(
        max_length=300, help_text="Who the table counts, in the same words for the same students."
    )
    population_key = models.CharField(max_length=300, db_index=True, editable=False)
    source = models.CharField(max_length=20, choices=Source.choices)
    project = models.ForeignKey(
        "agenda.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="releases"
    )
    protected_table = models.ForeignKey(
        ProtectedTable, null=True, blank=True, on_delete=models.SET_NULL, related_name="releases"
    )
    dims = models.JSONField()
    rule_sets = models.ManyToManyField(DisclosureRuleSet, related_name="releases", blank=True)
    published = models.JSONField(help_text="{columns, rows}: every cell as published.")
    certificate = models.JSONField()
    certificate_sha256 = models.CharField(max_length=64)
    n_cells = models.PositiveIntegerField()
    n_suppressed = models.PositiveIntegerField()
    sealed = models.BinaryField(editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="releases"
    )
    released_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_ok = models.BooleanField(
        null=True, blank=True, help_text="The last verification's verdict; empty before the first."
    )
    verification_problems = models.JSONField(default=list, blank=True)
    verify_job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-released_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source="project") | models.Q(project__isnull=False),
                name="project_release_names_its_project",
            )
        ]

    def __str__(self) -> str:
        return f"Release {self.pk}: {self.title}"

    @property
    def verifying(self) -> bool:
        """A verification job is queued or running, and not so long that it must have been lost
        (a worker stopped mid-run): then the release may be verified again."""
        job = self.verify_job
        return job is not None and not job.is_finished and not job.is_lost


def population_key(text: str) -> str:
    """Populations are compared without regard to case or spacing."""
    return " ".join(text.split()).casefold()


from steward.outputs.findings_models import (  # noqa: E402
    Finding,
    FindingQuestion,
    UseInvitation,
    UseSurvey,
)
from steward.outputs.report_models import ReportRun  # noqa: E402
from steward.outputs.review_models import Output, OutputCheck  # noqa: E402

__all__ = [
    "DisclosureRuleSet",
    "Finding",
    "FindingQuestion",
    "Output",
    "OutputCheck",
    "ProtectedTable",
    "Release",
    "ReportRun",
    "UseInvitation",
    "UseSurvey",
    "population_key",
]
