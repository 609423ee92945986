"""`kaidan search reindex [NAME …]`: rebuild the search index (all datasets and documents, or some datasets)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.catalog.models import Dataset
from kaidan.documents.models import Document
from kaidan.search import index
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(gettext_noop("Rebuild the search index")).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["reindex"])
        parser.add_argument("datasets", nargs="*")

    def handle(self, *args: Any, **opts: Any) -> None:
        names = opts["datasets"]
        datasets = list(Dataset.objects.filter(name__in=names) if names else Dataset.objects.all())
        missing = set(names) - {d.name for d in datasets}
        if missing:
            raise CommandError(
                Message(
                    gettext_noop("no such dataset: %(value)s"), value=", ".join(sorted(missing))
                ).bilingual()
            )
        for dataset in datasets:

            def progress(done: int, total: int, name: str = dataset.name) -> None:
                sys.stderr.write(
                    "\r"
                    + Message(
                        gettext_noop("%(name)s: %(done)s/%(total)s rows"),
                        name=name,
                        done=f"{done:,}",
                        total=f"{total:,}",
                    ).bilingual()
                )

            rows = index.reindex_dataset(dataset, progress=progress)
            sys.stderr.write("\n")
            self.stdout.write(
                Message(
                    gettext_noop("%(name)s: %(rows)s rows indexed"), name=dataset.name, rows=f"{rows:,}"
                ).bilingual()
            )
        if not names:
            for document in Document.objects.all():
                index.index_document(document)
            count = f"{Document.objects.count():,}"
            self.stdout.write(Message(gettext_noop("%(count)s documents indexed"), count=count).bilingual())
