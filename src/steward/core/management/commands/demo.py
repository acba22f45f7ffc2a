"""`steward demo`: set up the demo state of Lakeland and serve it with its logins."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from rich.console import Console
from rich.table import Table

from steward.access.demo import requests_seed
from steward.accounts.models import User
from steward.agenda.demo import agenda_seed
from steward.agreements.demo import agreements_seed
from steward.catalog.demo import demo_data_ensure
from steward.core.demo import DEMO_PASSWORD, current_code, personas_seed, totp_secret_for
from steward.core.personas import PERSONAS_BY_KEY
from steward.extracts.demo import extracts_demo_seed
from steward.linkage.demo import linkage_demo_seed
from steward.outputs.demo import outputs_demo_seed
from steward.outputs.findings_demo import findings_seed


class Command(BaseCommand):
    help = "Set up the demo and serve it. `steward demo code maya` prints a TOTP code."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", nargs="?", choices=["code"], help="code: print a TOTP code")
        parser.add_argument("persona", nargs="?", help="with `code`: the persona, e.g. maya")
        parser.add_argument(
            "--reset", action="store_true", help="Start over with an empty database."
        )
        parser.add_argument("--no-serve", action="store_true", help="Set up, print logins, exit.")
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "steward demo refuses to run with production settings (STEWARD_DEBUG is off): "
                "it creates logins with published passwords."
            )
        if options["action"] == "code":
            self._print_code(options["persona"])
            return
        if options["reset"]:
            self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        people = personas_seed()
        agenda_seed()
        demo_data_ensure(stdout=self.stdout)
        requests_seed()
        agreements_seed()
        linkage_demo_seed(stdout=self.stdout)
        extracts_demo_seed(stdout=self.stdout)
        outputs_demo_seed(stdout=self.stdout)
        findings_seed(stdout=self.stdout)
        self._print_logins(people)
        if not options["no_serve"]:
            self._serve(options["bind"])

    def _print_code(self, key: str | None) -> None:
        persona = PERSONAS_BY_KEY.get(key or "")
        if persona is None:
            raise CommandError(f"unknown persona {key!r}; one of: {', '.join(PERSONAS_BY_KEY)}")
        if not persona.privileged:
            raise CommandError(f"{persona.full_name} does not use two-factor authentication.")
        user = User.objects.filter(email=persona.email).first()
        if user is None:
            raise CommandError("the demo is not set up yet: run `steward demo --no-serve` first")
        self.stdout.write(current_code(user))

    def _reset(self) -> None:
        connection.close()
        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3"):
            for suffix in ("", "-wal", "-shm"):
                path = f"{database['NAME']}{suffix}"
                if os.path.exists(path):
                    os.remove(path)
        else:
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        for folder in ("warehouse", "linkage", "extracts", "uploads", "mail"):
            shutil.rmtree(settings.DATA_DIR / folder, ignore_errors=True)
        self.stdout.write("Demo reset: database and data folders emptied.")

    def _print_logins(self, people) -> None:
        table = Table(title=f"Demo logins (password for everyone: {DEMO_PASSWORD})")
        for column in ("persona", "role", "email", "TOTP secret (add to an authenticator app)"):
            table.add_column(column)
        for persona, _user in people:
            roles = ", ".join(role.label for role in persona.roles)
            secret = totp_secret_for(persona) if persona.privileged else "not needed"
            table.add_row(persona.full_name, roles, persona.email, secret)
        Console(file=self.stdout._out, width=140).print(table)
        self.stdout.write(
            "Privileged roles sign in with a six-digit code: "
            "`STEWARD_DEBUG=true .venv/bin/steward demo code maya` prints Maya's current one."
        )

    def _serve(self, bind: str) -> None:
        steward = [sys.executable, "-m", "steward.cli"]
        worker = subprocess.Popen([*steward, "worker"])  # noqa: S603
        server = subprocess.Popen([*steward, "serve", "--bind", bind])  # noqa: S603
        self.stdout.write(f"Open http://{bind}/ — press Ctrl-C to stop.")
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for process in (server, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (server, worker):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
