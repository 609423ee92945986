"""`kaidan search reindex [NAME …]`: rebuild the search index (all datasets and documents, or some datasets)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.catalog.models import Dataset
from kaidan.documents.models import Document
from kaidan.search import index


class Command(BaseCommand):
    help = "Rebuild the search index / 検索索引を作り直す (kaidan search reindex [NAME …])"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["reindex"])
        parser.add_argument("datasets", nargs="*")

    def handle(self, *args: Any, **opts: Any) -> None:
        names = opts["datasets"]
        datasets = list(Dataset.objects.filter(name__in=names) if names else Dataset.objects.all())
        missing = set(names) - {d.name for d in datasets}
        if missing:
            raise CommandError(f"データセットがありません / no such dataset: {', '.join(sorted(missing))}")
        for dataset in datasets:

            def progress(done: int, total: int, name: str = dataset.name) -> None:
                sys.stderr.write(f"\r{name}: {done:,}/{total:,} 行 / rows")

            rows = index.reindex_dataset(dataset, progress=progress)
            sys.stderr.write("\n")
            self.stdout.write(f"{dataset.name}: {rows:,} 行を索引しました / rows indexed")
        if not names:
            for document in Document.objects.all():
                index.index_document(document)
            self.stdout.write(f"{Document.objects.count():,} 件の文書を索引しました / documents indexed")
