"""`kaidan export NAME [--format F] [--revision N] [-o FILE]`: write a dataset (or a past revision)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from kaidan.catalog.selectors import get_dataset, iter_visible_rows
from kaidan.core.actors import actor_for
from kaidan.store.exports import FORMATS, write


class Command(BaseCommand):
    help = "Export a dataset as CSV (UTF-8 with BOM), CSV in Shift_JIS, XLSX, JSON or Parquet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset")
        parser.add_argument("--format", choices=list(FORMATS), default="csv")
        parser.add_argument("--revision", type=int, default=None)
        parser.add_argument("-o", "--output", default="-")
        parser.add_argument("--user", default="", help="Export as this user sees it (masking applied).")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = actor_for(opts["user"])
        try:
            dataset = get_dataset(actor, opts["dataset"], "object.export")
        except Http404 as exc:
            raise CommandError(
                f"データセット「{opts['dataset']}」がありません / no dataset '{opts['dataset']}'"
            ) from exc
        revision = opts["revision"]
        if revision is not None and not 1 <= revision <= dataset.current_revision:
            raise CommandError(
                f"版 {revision} はありません / no revision {revision} (1..{dataset.current_revision})"
            )
        from kaidan.audit.services import record

        fields, rows = iter_visible_rows(actor, dataset, as_of=revision, purpose="export")
        record(actor, "store.export", dataset, detail={"format": opts["format"], "revision": revision})
        if opts["output"] == "-":
            write(opts["format"], fields, rows, sys.stdout.buffer)
        else:
            with open(opts["output"], "wb") as out:
                write(opts["format"], fields, rows, out)
