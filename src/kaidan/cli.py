"""The `kaidan` command: Django's management commands plus Kaidan's own.

Kaidan's commands (serve, demo, import, export, audit …) are management commands in the apps, so
`kaidan migrate`, `kaidan createsuperuser` and `kaidan serve` all go through one dispatcher and share
settings, logging and error handling. `kaidan`, `kaidan help` and `kaidan --help` list Kaidan's own
commands first (one line each), then the others (Django's and its libraries') under "Django:".
"""

from __future__ import annotations

import os
import sys
import textwrap

from kaidan.values.messages import Message, gettext_noop

# Kaidan's commands in the order people need them; any other command of a kaidan app follows, by name.
ORDER = ("serve", "demo", "import", "export", "audit", "release_due", "backup", "restore", "orgs", "datasets")
HELP_ARGS = ({"help"}, {"--help"}, {"-h"})


def main_help() -> str:
    """The main help text: Kaidan's commands with the first line of their help, then Django's names."""
    from django.core.management import get_commands, load_command_class

    commands = get_commands()  # name -> app
    own = sorted(
        (name for name, app in commands.items() if app == "kaidan" or app.startswith("kaidan.")),
        key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name),
    )
    width = max(len(name) for name in own) + 2
    lines = [
        "使い方 / Usage: kaidan <コマンド command> [オプション options]",
        Message(gettext_noop("A command's own help: kaidan help <command>")).bilingual(),
        "",
        "Kaidan:",
    ]
    for name in own:
        summary = str(load_command_class(commands[name], name).help).strip().splitlines() or [""]
        lines.append(f"  {name.ljust(width)}{summary[0]}")
    others = ", ".join(sorted(name for name in commands if name not in own))
    lines += ["", "Django:", textwrap.fill(others, width=100, initial_indent="  ", subsequent_indent="  ")]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
    from django.core.management import execute_from_command_line

    from kaidan.core.errors import DomainError

    args = sys.argv[1:] if argv is None else argv
    try:
        if not args or set(args) in HELP_ARGS:
            import django

            django.setup()
            sys.stdout.write(main_help())
            return
        execute_from_command_line(["kaidan", *args])
    except DomainError as exc:  # the command-line adapter of domain errors: a message and an exit code
        sys.stderr.write(f"{exc.bilingual()}\n")
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # the reader stopped early (`kaidan export … | head`): end quietly, exit 1
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # what is still buffered goes nowhere
        sys.exit(1)


if __name__ == "__main__":
    main()
