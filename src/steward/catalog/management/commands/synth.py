"""`steward synth ...`: generate the synthetic state of Lakeland (see docs/synthetic-state.md).

The arguments are the generator's own (`steward synth --help`); without `--out`, files go to
the data folder's `synth/`.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from steward.dataplane.synth.cli import main as synth_main


def _with_default_out(argv: list[str]) -> list[str]:
    if any(arg == "--out" or arg.startswith("--out=") for arg in argv):
        return argv
    if any(arg in ("-h", "--help") for arg in argv):
        return argv
    return [*argv, "--out", str(settings.DATA_DIR / "synth")]


class Command(BaseCommand):
    help = "Generate the synthetic state of Lakeland. `steward synth --help` lists the options."

    def run_from_argv(self, argv: list[str]) -> None:
        # The generator parses its own arguments; Django's parser would refuse them.
        sys.exit(synth_main(_with_default_out(argv[2:])))

    def add_arguments(self, parser) -> None:
        parser.add_argument("arguments", nargs="*", help="the generator's arguments")

    def handle(self, *args, arguments: list[str], **options) -> None:
        try:
            status = synth_main(_with_default_out([*args, *arguments]))
        except SystemExit as exit_:
            status = exit_.code
        if status:
            raise CommandError(f"the generator stopped with status {status}")
