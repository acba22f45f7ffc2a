"""`steward user`: create people and grant or revoke roles from the command line (audited)."""

from __future__ import annotations

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from steward.accounts.models import Organization, User
from steward.accounts.roles import Role
from steward.accounts.services import role_grant, role_revoke, user_create

ROLE_NAMES = [str(role) for role in Role]


class Command(BaseCommand):
    help = "Create a person, or grant or revoke a role. Every change is audited."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a person (asks for a password)")
        create.add_argument("email")
        create.add_argument("--name", required=True, help="full name")
        create.add_argument("--organization", help="organization code, e.g. lde")
        create.add_argument("--role", choices=ROLE_NAMES, action="append", default=[])
        create.add_argument("--agency", help="for --role steward: the agency code")
        for verb in ("grant", "revoke"):
            sub = actions.add_parser(verb, help=f"{verb} a role")
            sub.add_argument("email")
            sub.add_argument("role", choices=ROLE_NAMES)
            if verb == "grant":
                sub.add_argument("--agency", help="for steward: the agency code")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def _create(self, *, email: str, name: str, organization, role, agency, **_) -> None:
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"a person with the email {email} already exists")
        password = self._ask_password()
        user = user_create(
            actor=None,
            email=email,
            full_name=name,
            password=password,
            organization=_organization(organization) if organization else None,
        )
        for role_name in role:
            self._grant(email=user.email, role=role_name, agency=agency)
        self.stdout.write(f"created {user.email}")

    def _grant(self, *, email: str, role: str, agency: str | None = None, **_) -> None:
        user = _user(email)
        role_grant(
            actor=None,
            user=user,
            role=Role(role),
            agency=_organization(agency) if agency else None,
        )
        self.stdout.write(f"{user.email} is now {Role(role).label}")

    def _revoke(self, *, email: str, role: str, **_) -> None:
        user = _user(email)
        role_revoke(actor=None, user=user, role=Role(role))
        self.stdout.write(f"{user.email} is no longer {Role(role).label}")

    def _ask_password(self) -> str:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
        validate_password(password)
        return password


def _user(email: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise CommandError(f"no person with the email {email}")
    return user


def _organization(code: str) -> Organization:
    organization = Organization.objects.filter(code=code).first()
    if organization is None:
        codes = ", ".join(Organization.objects.values_list("code", flat=True))
        raise CommandError(f"no organization with the code {code!r} (known: {codes or 'none'})")
    return organization
