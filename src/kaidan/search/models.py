"""The search index: one entry per searchable text (a dataset's metadata, one cell of a record, a document).

`norm` holds the normalized text's words (kaidan.values.textsearch.words: runs of word characters joined by
single spaces) and nothing else is stored per entry: each database cuts it into unigram and bigram tokens by
one SQL function of `norm` (kaidan.search.tokens) — SQLite into a contentless FTS5 table with `detail=none`
(`search_fts`, kept in step by triggers), PostgreSQL into a GIN expression index — so the tokens are never
stored as text (migration 0003). A record's original text is not copied either: its snippet comes from the
row itself, read through the actor's visible relation. Entries name their dataset, row and field, so every
hit is confirmed through that relation before it is shown: the index itself decides nothing.
"""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    DATASET = "dataset"
    RECORD = "record"
    DOCUMENT = "document"


class SearchEntry(models.Model):
    kind = models.CharField(max_length=10, choices=Kind.choices)
    dataset = models.ForeignKey(
        "catalog.Dataset", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    row_id = models.BigIntegerField(null=True)
    field_id = models.BigIntegerField(null=True)
    document = models.ForeignKey(
        "documents.Document", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    text = models.TextField()
    """The original text (truncated) of a dataset's metadata or a document, for snippets; empty for a record
    (its row holds it)."""
    norm = models.TextField()
    """The normalized text's words (kaidan.values.textsearch.words), truncated like the text."""

    class Meta:
        indexes = [
            models.Index(fields=["dataset", "row_id"], name="search_sear_dataset_9d0f3a_idx"),
            # partial: only document entries have a document (record entries, the many, stay out of it)
            models.Index(
                fields=["document"], condition=models.Q(document__isnull=False), name="search_entry_document"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dataset_id or self.document_id}:{self.row_id or ''} {self.text[:40]}"
