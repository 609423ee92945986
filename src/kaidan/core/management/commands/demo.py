"""`kaidan demo`: migrate and fill a realistic demo ward (idempotent); print the logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import translation

from kaidan.core.demo import DEMO_PASSWORD, build_demo, logins_table
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop("Create the demo ward (organizations, users, data). Safe to run again.")
    ).bilingual()

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        with translation.override("ja"):
            build_demo()
            self.stdout.write(Message(gettext_noop("Demo data is ready.")).bilingual())
            self.stdout.write(f"URL: {settings.BASE_URL}/")
            self.stdout.write(
                Message(gettext_noop("password (all users):")).bilingual() + f" {DEMO_PASSWORD}"
            )
            for username, org, role in logins_table():
                self.stdout.write(f"  {username:<18} {org}（{role}）")
            self.stdout.write(
                Message(
                    gettext_noop("admin must set up two-factor authentication at first login.")
                ).bilingual()
            )
