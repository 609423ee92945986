"""`kaidan backup [-o FILE]`: the database, stored files and keys in one archive, while the site runs."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.core.backup import BackupError, backup
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop("Back up the database, the stored files and the keys into one archive")
    ).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
        parser.add_argument("-o", "--output", default=f"kaidan-backup-{stamp}.tar.gz")

    def handle(self, *args: Any, **opts: Any) -> None:
        out = Path(opts["output"])
        try:
            manifest = backup(out)
        except BackupError as exc:
            raise CommandError(exc.bilingual(), returncode=exc.exit_code) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            Message(
                gettext_noop("backup written: %(path)s (%(tables)s tables, %(rows)s rows)"),
                path=str(out),
                tables=len(manifest["tables"]),
                rows=f"{rows:,}",
            ).bilingual()
        )
