"""`steward worker`: run queued jobs (the database task backend; no other server needed)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background jobs as they are queued. --batch runs what is queued, then exits."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run queued jobs, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args, batch: bool, interval: float, **options) -> None:
        call_command(
            "db_worker",
            batch=batch,
            interval=interval,
            reload=False,
            startup_delay=False,
            verbosity=options["verbosity"],
        )
