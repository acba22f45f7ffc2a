"""`steward catalog load [PATH]`: load the data dictionary into the database."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from steward.accounts.models import User
from steward.catalog.services import CATALOG_FILE, catalog_load


class Command(BaseCommand):
    help = (
        "Work with the data catalog. `load [PATH]` upserts classification levels, datasets and "
        "elements from a catalog file (default: the checked-in catalog)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["load"])
        parser.add_argument("path", nargs="?", default=str(CATALOG_FILE))
        parser.add_argument("--as", dest="email", help="who loads it (default: the system)")

    def handle(self, *args, action: str, path: str, email: str | None, **options) -> None:
        actor = None
        if email:
            actor = User.objects.filter(email__iexact=email, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active person with the email address {email}")
        try:
            summary = catalog_load(actor=actor, path=path)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Catalog loaded from {path}")
        for line in summary.lines():
            self.stdout.write(f"  {line}")
