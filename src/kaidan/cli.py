"""The `kaidan` command: Django's management commands plus Kaidan's own.

Kaidan's commands (serve, demo, import, export, audit …) are management commands in the apps, so
`kaidan migrate`, `kaidan createsuperuser` and `kaidan serve` all go through one dispatcher and share
settings, logging and error handling.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
    from django.core.management import execute_from_command_line

    from kaidan.core.errors import DomainError

    try:
        execute_from_command_line(["kaidan", *(sys.argv[1:] if argv is None else argv)])
    except DomainError as exc:  # the command-line adapter of domain errors: a message and an exit code
        sys.stderr.write(f"{exc.bilingual()}\n")
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
