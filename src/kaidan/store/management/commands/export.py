"""`kaidan export NAME [--format F] [--revision N] [-o FILE]`: write a dataset (or a past revision)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.catalog.selectors import get_dataset
from kaidan.catalog.services import ExportRejected, export_dataset
from kaidan.core.actors import actor_for
from kaidan.core.errors import Forbidden, NotFound
from kaidan.store.exports import FORMATS
from kaidan.values.messages import Message, gettext_noop

# Written to stdout only when it is not a terminal (a pipe or a redirect): bytes a screen cannot show.
BINARY = ("xlsx", "parquet", "csv-sjis")


class Command(BaseCommand):
    help = Message(
        gettext_noop("Export a dataset as CSV (UTF-8 with BOM), CSV in Shift_JIS, XLSX, JSON or Parquet.")
    ).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset")
        parser.add_argument("--format", choices=list(FORMATS), default="csv")
        parser.add_argument("--revision", type=int, default=None)
        parser.add_argument("-o", "--output", default="-")
        parser.add_argument("--user", default="", help="Export as this user sees it (masking applied).")

    def handle(self, *args: Any, **opts: Any) -> None:
        fmt = opts["format"]
        if opts["output"] == "-" and fmt in BINARY and sys.stdout.isatty():
            suggestion = f"{opts['dataset']}.{FORMATS[fmt][1]}"
            raise CommandError(
                Message(
                    gettext_noop(
                        "%(fmt)s is not written to a terminal: give a file with -o (e.g. -o %(suggestion)s), or pipe it"
                    ),
                    fmt=fmt,
                    suggestion=suggestion,
                ).bilingual(),
                returncode=2,
            )
        actor = actor_for(opts["user"])
        try:
            dataset = get_dataset(opts["dataset"], "object.export", actor=actor)
        except (NotFound, Forbidden) as exc:
            raise CommandError(
                Message(gettext_noop("no dataset '%(name)s'"), name=opts["dataset"]).bilingual()
            ) from exc
        try:
            if opts["output"] == "-":
                export_dataset(
                    dataset, actor=actor, fmt=opts["format"], revision=opts["revision"], out=sys.stdout.buffer
                )
            else:
                # Written beside the target and renamed at the end: a failed export leaves no partial file.
                target = Path(opts["output"])
                part = target.with_name(target.name + ".part")
                try:
                    with part.open("wb") as out:
                        export_dataset(
                            dataset, actor=actor, fmt=opts["format"], revision=opts["revision"], out=out
                        )
                    part.replace(target)
                finally:
                    part.unlink(missing_ok=True)
        except ExportRejected as exc:
            raise CommandError(str(exc)) from exc
