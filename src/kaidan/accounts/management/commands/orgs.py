"""`kaidan orgs`: every organization, with its code (what `--org` and the browser take), name and kind."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation

from kaidan.accounts.models import Organization
from kaidan.core.text_table import format_table
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(gettext_noop("List the organizations: code, name and kind.")).bilingual()

    def handle(self, *args: Any, **opts: Any) -> None:
        with translation.override("ja"):
            rows = [
                [org.code, org.name, org.get_kind_display()]
                for org in Organization.objects.order_by("kind", "code")
            ]
        self.stdout.write(format_table(["コード", "名称", "種別"], rows), ending="")
