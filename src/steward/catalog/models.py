"""What each agency collects (datasets and their elements), how sensitive it is, and every file
submitted for a dataset and year with its validation report and quality scorecard."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from steward.accounts.models import Organization
from steward.dataplane.quality import MEASURES


class ClassificationLevel(models.Model):
    """How sensitive an element is, from 1 (public) to 4 (highly sensitive)."""

    level = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    name = models.CharField(max_length=80)
    meaning = models.TextField()
    protections = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.level} · {self.name}"


class Dataset(models.Model):
    """One kind of file an agency sends once per year (or quarter)."""

    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="datasets")
    agency_code = models.SlugField(
        max_length=40, help_text="The catalog's code of the agency, also its warehouse folder."
    )
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    purpose = models.TextField()
    frequency = models.CharField(max_length=40)
    due_month = models.PositiveSmallIntegerField()
    due_day = models.PositiveSmallIntegerField()
    first_year = models.PositiveSmallIntegerField()
    last_year = models.PositiveSmallIntegerField()
    key = models.JSONField(default=list, help_text="Elements unique together within one file.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the catalog.")
    active = models.BooleanField(default=True, help_text="Still in the loaded catalog.")

    class Meta:
        ordering = ["agency_code", "position"]
        constraints = [
            models.UniqueConstraint(fields=["agency_code", "code"], name="dataset_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.agency_code}/{self.code}"

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)

    @property
    def due(self) -> str:
        return f"{self.due_month:02d}-{self.due_day:02d}"

    def due_date(self, year: int) -> date:
        """When the file of ``year`` is due: the month-day in the following calendar year."""
        return date(year + 1, self.due_month, self.due_day)


class Element(models.Model):
    """One variable of a dataset, with the rules its values follow."""

    class Type(models.TextChoices):
        STRING = "string", "Text"
        INTEGER = "integer", "Whole number"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        BOOLEAN = "boolean", "Yes/no"
        CODE = "code", "Code"

    class IdentifierKind(models.TextChoices):
        DIRECT = "direct", "Direct identifier"
        QUASI = "quasi", "Quasi-identifier"
        NONE = "none", "Not an identifier"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="elements")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    definition = models.TextField()
    type = models.CharField(max_length=10, choices=Type.choices)
    required = models.BooleanField(default=False)
    classification = models.ForeignKey(
        ClassificationLevel, on_delete=models.PROTECT, related_name="elements"
    )
    identifier_kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    ceds_name = models.CharField(
        max_length=200, blank=True, help_text="A real CEDS element name, or empty; never invented."
    )
    codes = models.JSONField(null=True, blank=True, help_text="Allowed code → label.")
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    references = models.CharField(
        max_length=130, blank=True, help_text="dataset.element whose values this must match."
    )
    active = models.BooleanField(default=True, help_text="Still in the loaded catalog.")

    class Meta:
        ordering = ["dataset", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "name"], name="element_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.name}"


class DatasetVersion(models.Model):
    """One submitted file of a dataset and year: accepted (stored encrypted) or refused."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REFUSED = "refused", "Refused"

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions")
    year = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The warehouse version; empty for a refused file."
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    file_name = models.CharField(max_length=255, blank=True, help_text="As submitted.")
    file_sha256 = models.CharField(max_length=64, blank=True, help_text="Of the submitted file.")
    path = models.CharField(
        max_length=500, blank=True, help_text="Stored file, relative to the data folder."
    )
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the stored file.")
    rows = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    ingested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    ingested_at = models.DateTimeField(default=timezone.now)
    received = models.DateField()
    report = models.JSONField(default=dict)
    scorecard = models.JSONField(default=dict)

    class Meta:
        ordering = ["dataset", "-year", "-ingested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "year", "version"],
                condition=models.Q(version__isnull=False),
                name="dataset_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status="refused", version__isnull=True, path="")
                | models.Q(status="accepted", version__isnull=False),
                name="dataset_version_refused_has_no_file",
            ),
        ]
        indexes = [models.Index(fields=["dataset", "year", "status"])]

    def __str__(self) -> str:
        label = f"v{self.version}" if self.version else "refused"
        return f"{self.dataset}/{self.year} {label}"

    @property
    def accepted(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @property
    def problems(self) -> list[dict]:
        """The report's failing rules, blocking first (counts and row numbers, no values)."""
        failing = [r for r in self.report.get("results", []) if r.get("failing")]
        return sorted(failing, key=lambda r: r.get("severity") != "blocking")

    @property
    def measures(self) -> list[dict]:
        """The scorecard's five measures in their usual order."""
        return [self.scorecard[name] for name in MEASURES if name in self.scorecard]

    @property
    def blocking_count(self) -> int:
        return sum(1 for r in self.problems if r.get("severity") == "blocking")

    @property
    def warning_count(self) -> int:
        return sum(1 for r in self.problems if r.get("severity") == "warning")
