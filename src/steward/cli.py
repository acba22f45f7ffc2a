"""The `steward` command: Django's management commands under Steward's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    from steward.env import ConfigurationError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["steward", *(sys.argv[1:] if argv is None else argv)])
    except ConfigurationError as error:
        sys.stderr.write(f"steward: configuration error: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
