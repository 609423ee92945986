"""`kaidan webhooks deliver`: send every webhook delivery that is due (run it from cron as a safety net:
a worker that died mid-send left its deliveries pending; this sends them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaidan.api.webhooks import deliver_due
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop(
            "Send the webhook deliveries that are due (pending after a crash, or waiting for a retry)."
        )
    ).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("deliver", help="Send every due delivery once.")

    def handle(self, *args: Any, **opts: Any) -> None:
        done = deliver_due()
        delivered = sum(1 for d in done if d.status == d.Status.DELIVERED)
        self.stdout.write(
            Message(
                gettext_noop("%(delivered)s of %(attempted)s due deliveries sent"),
                delivered=delivered,
                attempted=len(done),
            ).bilingual()
        )
