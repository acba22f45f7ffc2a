"""`steward audit verify`: walk the audit chain; exit 1 naming the first broken entry."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from steward.core.audit import audit_verify


class Command(BaseCommand):
    help = "Work with the audit chain. `verify` checks every entry's hash and link."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options) -> None:
        with Progress(transient=True, disable=options["verbosity"] < 1) as bar:
            task = bar.add_task("Verifying the audit chain", total=None)
            report = audit_verify(
                progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        if not report.intact:
            raise CommandError(
                f"audit chain broken at {report.broken} "
                f"({report.checked} entries before it verify)",
                returncode=1,
            )
        self.stdout.write(f"audit chain intact: {report.checked} entries verified")
