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
