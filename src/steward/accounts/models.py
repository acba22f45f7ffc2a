"""People, the organizations they belong to, and their personal API tokens."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from steward.accounts.roles import PRIVILEGED_ROLES, Role


class Organization(models.Model):
    """An agency that contributes data, or a research organization whose people request it."""

    class Kind(models.TextChoices):
        AGENCY = "agency", "Agency"
        RESEARCH = "research", "Research organization"
        DISTRICT = "district", "School district"
        COMMUNITY = "community", "Community partner"

    class AgencyKind(models.TextChoices):
        SEA = "sea", "State education agency"
        POSTSECONDARY = "postsecondary", "Postsecondary agency"
        WORKFORCE = "workforce", "Workforce agency"
        OTHER = "other", "Other agency"

    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(
        max_length=40, unique=True, help_text="Short code; for agencies, the warehouse folder."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agency_kind = models.CharField(max_length=20, choices=AgencyKind.choices, blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="agency") | ~models.Q(agency_kind=""),
                name="agency_has_agency_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_agency(self) -> bool:
        return self.kind == self.Kind.AGENCY


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    steward_agency = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stewards",
        limit_choices_to={"kind": Organization.Kind.AGENCY},
        help_text="For a data steward: the one agency whose data they are responsible for.",
    )
    title = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the administration site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def role_names(self) -> frozenset[str]:
        if not self.is_active or self.pk is None:
            return frozenset()
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names

    @property
    def roles(self) -> list[Role]:
        return [role for role in Role if role in self.role_names]

    @property
    def is_privileged(self) -> bool:
        return self.is_superuser or bool(self.role_names & PRIVILEGED_ROLES)

    @cached_property
    def has_mfa(self) -> bool:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user=self, type=Authenticator.Type.TOTP).exists()


class ApiToken(models.Model):
    """A personal token for the API. Only its hash is kept; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"
