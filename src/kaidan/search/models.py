"""The search index: one entry per searchable text (a dataset's metadata, one cell of a record, a document).

`uni` and `bi` hold the normalized text's character unigrams and bigrams as space-separated tokens
(kaidan.values.textsearch); SQLite indexes them with FTS5 (`search_fts`, external content), PostgreSQL with
`simple` tsvectors and GIN (migration 0002). Entries name their dataset, row and field, so every hit is
confirmed through the actor's visible relation before it is shown: the index itself decides nothing.
"""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    DATASET = "dataset"
    RECORD = "record"
    DOCUMENT = "document"


class SearchEntry(models.Model):
    kind = models.CharField(max_length=10, choices=Kind.choices)
    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, null=True, related_name="+")
    row_id = models.BigIntegerField(null=True)
    field_id = models.BigIntegerField(null=True)
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE, null=True, related_name="+")
    text = models.TextField()
    """The original text (truncated), for snippets."""
    norm = models.TextField()
    uni = models.TextField()
    bi = models.TextField()

    class Meta:
        indexes = [
            models.Index(fields=["dataset", "row_id"]),
            models.Index(fields=["kind", "dataset"]),
            models.Index(fields=["document"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dataset_id or self.document_id}:{self.row_id or ''} {self.text[:40]}"
