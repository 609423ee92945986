"""`kaidan release_due`: release undecided (未決定) datasets and documents whose planned date has come.

`kaidan serve` runs the same service every minute; this command is for cron or a separate scheduler.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaidan.sharing.services import release_due
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop("Release undecided datasets and documents whose planned publication date has come.")
    ).bilingual()

    def handle(self, *args: Any, **options: Any) -> None:
        released = release_due()
        for obj in released:
            self.stdout.write(
                Message(
                    gettext_noop("released: %(kind)s %(name)s"), kind=obj._meta.verbose_name, name=obj
                ).bilingual()
            )
        self.stdout.write(Message(gettext_noop("%(value)s released"), value=len(released)).bilingual())
