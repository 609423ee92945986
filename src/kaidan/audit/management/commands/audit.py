"""`kaidan audit verify` checks the chain; `kaidan audit export` writes the log for auditors."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.audit.keys import AuditKeyError
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import export_entries, verify


class Command(BaseCommand):
    help = "Verify or export the hash-chained audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check every entry of the chain; exit 1 naming broken entries.")
        export = sub.add_parser("export", help="Export the log (CSV with BOM or JSON lines).")
        export.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        export.add_argument("-o", "--output", default="-")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            try:
                problems = verify()
            except AuditKeyError as exc:
                raise CommandError(str(exc), returncode=1) from exc
            count = AuditEntry.objects.count()
            if problems:
                for problem in problems:
                    self.stderr.write(str(problem))
                first = problems[0]
                raise CommandError(
                    f"監査ログの検証に失敗しました（{len(problems)} 件の問題。最初は 項目 #{first.seq}: "
                    f"{first.message_ja}） / audit log verification failed: {len(problems)} problem(s), "
                    f"the first: entry #{first.seq}: {first.message_en}",
                    returncode=1,
                )
            self.stdout.write(f"OK: {count} entries verified / {count} 件を検証しました")
            return
        self._export(options["format"], options["output"])

    def _export(self, fmt: str, output: str) -> None:
        stream = (
            sys.stdout
            if output == "-"
            else open(output, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
        )  # noqa: SIM115
        try:
            export_entries(stream, fmt)
        finally:
            if stream is not sys.stdout:
                stream.close()
