"""`kaidan restore ARCHIVE`: restore a backup into an empty instance (then migrate it to this release)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.core.backup import BackupError, finish_restore, restore
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(gettext_noop("Restore a backup into an empty instance")).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")

    def handle(self, *args: Any, **opts: Any) -> None:
        archive = Path(opts["archive"])
        if not archive.is_file():
            raise CommandError(
                Message(gettext_noop("file not found: %(path)s"), path=str(archive)).bilingual(), returncode=2
            )
        try:
            manifest = restore(archive)
        except BackupError as exc:
            raise CommandError(exc.bilingual(), returncode=exc.exit_code) from exc
        call_command("migrate", interactive=False, verbosity=0)
        finish_restore()
        self.stdout.write(
            Message(
                gettext_noop("restored the backup of %(when)s (%(vendor)s)"),
                when=manifest["created_at"],
                vendor=manifest["vendor"],
            ).bilingual()
        )
