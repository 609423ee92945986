"""`kaidan notices deliver` / `kaidan notices list`: the outbox of e-mails to applicants.

`kaidan serve` sends the due ones every minute by itself (kaidan.core.periodic); the command is for cron on
a deployment that runs the web server some other way, and for a look at what waits.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaidan.procedures import mail
from kaidan.procedures.models import Notice
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop("E-mails to applicants: send those whose retry is due, or list those not sent yet.")
    ).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("deliver", help="Send every e-mail whose (re)try is due, once.")
        sub.add_parser("list", help="List the e-mails not sent yet: id, receipt, tries, next try, error.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "list":
            waiting = Notice.objects.filter(sent_at=None).select_related("submission")
            for notice in waiting.order_by("next_attempt_at", "pk"):
                self.stdout.write(
                    "\t".join(
                        [
                            str(notice.pk),
                            notice.submission.receipt,
                            str(notice.attempts),
                            notice.next_attempt_at.isoformat(timespec="seconds")
                            if notice.attempts < mail.MAX_ATTEMPTS
                            else "-",
                            notice.last_error,
                        ]
                    )
                )
            return
        sent, attempted = mail.deliver_due()
        self.stdout.write(
            Message(
                gettext_noop("%(sent)s of %(attempted)s due e-mails sent"), sent=sent, attempted=attempted
            ).bilingual()
        )
