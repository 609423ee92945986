"""`kaidan datasets [--user U]`: the datasets a user may see, with what they may see of each."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from kaidan.access.levels import Level
from kaidan.catalog.selectors import list_datasets
from kaidan.core.actors import actor_for
from kaidan.core.text_table import format_table
from kaidan.store.relation import compile_relation
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop("List the datasets a user may see: name, title, owner, classification, rows, revision.")
    ).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", default="", help="List what this user sees (default: the system operator)."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = actor_for(opts["user"])
        rows = []
        with translation.override("ja"):
            for dataset in list_datasets(actor=actor):
                level = str(Level(dataset.classification).label)
                rows.append(
                    [
                        dataset.name,
                        dataset.title,
                        dataset.owner.name,
                        f"{level}（未決定）" if dataset.undecided else level,
                        compile_relation(
                            dataset, actor=actor
                        ).count(),  # a row scope counts only its own rows
                        dataset.current_revision,
                    ]
                )
        headers = ["名前", "題名", "所有組織", "分類", "行数", "版"]
        self.stdout.write(format_table(headers, rows), ending="")
