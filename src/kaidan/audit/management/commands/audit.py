"""`kaidan audit verify` checks the chain; `kaidan audit checkpoint` signs its tip for safekeeping outside
the database; `kaidan audit export` writes the log for auditors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.audit.keys import AuditKeyError
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import (
    ChainBroken,
    Checkpoint,
    CheckpointError,
    Problem,
    export_entries,
    make_checkpoint,
    read_checkpoint,
    verify,
)
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(gettext_noop("Verify, checkpoint or export the hash-chained audit log.")).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("verify", help="Check every entry of the chain; exit 1 naming broken entries.")
        check.add_argument(
            "--checkpoint", metavar="FILE", help="also check the chain still holds this checkpoint's entry"
        )
        checkpoint = sub.add_parser(
            "checkpoint", help="Verify the chain, then write a signed checkpoint (JSON)."
        )
        checkpoint.add_argument("-o", "--output", default="-")
        export = sub.add_parser("export", help="Export the log (CSV with BOM or JSON lines).")
        export.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        export.add_argument("-o", "--output", default="-")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "verify":
                self._verify(options["checkpoint"])
            elif options["subcommand"] == "checkpoint":
                self._checkpoint(options["output"])
            else:
                self._export(options["format"], options["output"])
        except (AuditKeyError, CheckpointError) as exc:
            raise CommandError(str(exc), returncode=1) from exc

    def _verify(self, checkpoint_file: str | None) -> None:
        checkpoint = self._read_checkpoint(checkpoint_file) if checkpoint_file else None
        problems = verify(checkpoint=checkpoint)
        if problems:
            self._fail(problems)
        count = AuditEntry.objects.count()
        self.stdout.write(Message(gettext_noop("OK: %(count)s entries verified"), count=count).bilingual())
        if checkpoint is not None:
            self.stdout.write(
                Message(
                    gettext_noop("OK: the chain holds checkpoint #%(last_seq)s of %(at)s"),
                    last_seq=checkpoint.last_seq,
                    at=checkpoint.at,
                ).bilingual()
            )

    def _read_checkpoint(self, path: str) -> Checkpoint:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CheckpointError(
                Message(
                    gettext_noop("cannot read checkpoint file %(path)s: %(exc)s"), path=path, exc=exc
                ).bilingual()
            ) from exc
        return read_checkpoint(text)

    def _fail(self, problems: list[Problem]) -> NoReturn:
        for problem in problems:
            self.stderr.write(str(problem))
        first = problems[0]
        raise CommandError(
            Message(
                gettext_noop("audit log verification failed: %(count)s problem(s), the first: %(first)s"),
                count=len(problems),
                first=first.entry_message(),
            ).bilingual(),
            returncode=1,
        )

    def _checkpoint(self, output: str) -> None:
        try:
            checkpoint = make_checkpoint()
        except ChainBroken as exc:
            self._fail(exc.problems)
        text = json.dumps(checkpoint, ensure_ascii=False, indent=2) + "\n"
        if output == "-":
            self.stdout.write(text, ending="")
            return
        Path(output).write_text(text, encoding="utf-8")
        self.stdout.write(
            Message(
                gettext_noop("checkpoint #%(checkpoint)s written to %(output)s"),
                checkpoint=checkpoint["last_seq"],
                output=output,
            ).bilingual()
        )

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
