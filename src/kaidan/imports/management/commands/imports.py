"""`kaidan imports run-due` (run every scheduled import that is due, from cron) and `kaidan imports list`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaidan.imports.models import ImportSchedule
from kaidan.imports.services import run_due
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop("Scheduled imports: run the ones that are due (cron), or list them.")
    ).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("run-due", help="Run every scheduled import that is due, now, in this process.")
        sub.add_parser("list", help="List the schedules: dataset, source, next run, last result.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "list":
            for schedule in ImportSchedule.objects.select_related("dataset").order_by("dataset__name"):
                last = schedule.runs.first()
                self.stdout.write(
                    "\t".join(
                        [
                            schedule.dataset.name,
                            schedule.source_label,
                            schedule.next_run_at.isoformat(timespec="minutes")
                            if schedule.next_run_at
                            else "-",
                            last.status if last else "-",
                        ]
                    )
                )
            return
        runs = run_due()
        for run in runs:
            self.stdout.write(
                f"{run.schedule.dataset.name}\t{run.status}\t{run.message_ja} / {run.message_en}"
            )
        failed = sum(1 for run in runs if run.status == run.Status.FAILED)
        self.stdout.write(
            Message(
                gettext_noop("%(count)s scheduled imports run, %(failed)s failed"),
                count=len(runs),
                failed=failed,
            ).bilingual()
        )
        if failed:
            raise SystemExit(1)
