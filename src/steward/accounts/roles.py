"""The roles people hold in Steward, kept as Django groups of the same names."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    RESEARCHER = "researcher", "Researcher"
    LIAISON = "liaison", "SEA research liaison"
    STEWARD = "steward", "Data steward"
    COMMITTEE = "committee", "Review committee member"
    CHAIR = "chair", "Governance chair"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    SECURITY_OFFICER = "security_officer", "Security officer"
    ADMINISTRATOR = "administrator", "Administrator"


# Roles that decide about, or can reach, other people's data: these must use MFA to act.
PRIVILEGED_ROLES = frozenset(
    {
        Role.LIAISON,
        Role.STEWARD,
        Role.COMMITTEE,
        Role.CHAIR,
        Role.PRIVACY_OFFICER,
        Role.SECURITY_OFFICER,
        Role.ADMINISTRATOR,
    }
)


# Django model permissions each role's group carries, for the administration site. Every other
# permission in Steward is a `rules` predicate, not a row in the database.
ROLE_MODEL_PERMISSIONS: dict[Role, list[str]] = {
    Role.ADMINISTRATOR: [
        "accounts.view_organization",
        "accounts.add_organization",
        "accounts.change_organization",
        "accounts.view_user",
        "accounts.change_user",
    ],
}


def ensure_role_groups(**kwargs) -> None:
    """Create a group per role, with its model permissions (runs after every migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role in Role:
        group, _ = Group.objects.get_or_create(name=str(role))
        for dotted in ROLE_MODEL_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)


class StudyRole(models.TextChoices):
    """A person's part in one study, as named on a data request and on its agreement."""

    PI = "pi", "Principal investigator"
    CO_INVESTIGATOR = "co_investigator", "Co-investigator"
    ANALYST = "analyst", "Analyst"
    ASSISTANT = "assistant", "Research assistant"
    DATA_MANAGER = "data_manager", "Data manager"
