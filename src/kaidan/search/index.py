"""Keeping the search index as current as the data: revisions, dataset metadata, documents.

A revision's rows are re-indexed inside the revision's own transaction (kaidan.store.services sends
`revision_written`), so a rolled-back change leaves the index as it was and a committed one is findable at
once. A revision that writes more than INLINE_ROWS rows (a big import) is indexed by a background task enqueued
when it commits (`kaidan serve`'s worker runs it), so the import itself stays fast; until then the dataset's
records answer from the previous index.

An entry stores the normalized words only (kaidan.values.textsearch.words); the database cuts them into tokens
(kaidan.search.tokens). Record entries are written as plain rows, STATEMENT_ROWS per statement, not model
objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from kaidan.catalog.models import Dataset, Field
from kaidan.documents.models import Document
from kaidan.store import selectors as store
from kaidan.store.history import ids_written_at
from kaidan.store.models import Revision
from kaidan.values.textsearch import normalize, words

from .models import Kind, SearchEntry

TEXT_TYPES = ("text", "code", "phone", "postal_code")
MAX_TEXT = 4000
MAX_DOCUMENT = 200_000
INLINE_ROWS = 20_000
BATCH = 2000


def searchable(value: Any, limit: int = MAX_TEXT) -> str:
    """The words an entry stores for a value (truncated like the index): what the exact check reads."""
    return words(normalize(str(value or "")[:limit]))


def _entry(kind: str, text: str, limit: int = MAX_TEXT, **keys: Any) -> SearchEntry | None:
    original = str(text or "")[:limit]
    norm = words(normalize(original))
    if not norm:
        return None
    return SearchEntry(kind=kind, text=original, norm=norm, **keys)


def text_fields(dataset: Dataset) -> list[Field]:
    return [f for f in dataset.live_fields() if f.type in TEXT_TYPES]


def index_metadata(dataset: Dataset) -> None:
    """The dataset's own entry (title, name, description, tags), rewritten only when its text changed."""
    tags = " ".join(t.name for t in dataset.tags.all())
    text = "\n".join(p for p in (dataset.title, dataset.name, dataset.description, tags) if p)
    entry = _entry(Kind.DATASET, text, dataset=dataset)
    current = SearchEntry.objects.filter(kind=Kind.DATASET, dataset=dataset, row_id__isnull=True)
    if entry is not None and list(current.values_list("text", flat=True)) == [entry.text]:
        return  # an edit of a record saves the dataset too; its metadata entry stays as it is
    current.delete()
    if entry is not None:
        entry.save()


def _index_rows(dataset: Dataset, fields: Sequence[Field], rows: Iterable[tuple[int, list[Any]]]) -> int:
    batch: list[Any] = []
    count = 0
    pk = dataset.pk
    field_ids = [f.pk for f in fields]
    for row_id, values in rows:
        for field_id, value in zip(field_ids, values, strict=True):
            if value is None:
                continue
            norm = searchable(value)
            if norm:
                batch += (row_id, field_id, norm)
        count += 1
        if len(batch) >= 3 * STATEMENT_ROWS:
            _insert(pk, batch)
            batch = []
    if batch:
        _insert(pk, batch)
    return count


STATEMENT_ROWS = 500
"""Entries written by one INSERT statement. SQLite's FTS5 flushes its pending tokens at the end of every
statement that writes it (here through the insert trigger): one statement per entry made a new index segment
per entry and indexing 3.5 times slower (37 s instead of 10 s for 50,000 entries)."""


def _insert(dataset_pk: int, flat: list[Any]) -> None:
    """Record entries of one dataset, from (row id, field id, words) triples laid end to end."""
    rows = len(flat) // 3
    values = ", ".join([f"('record', {int(dataset_pk)}, %s, %s, NULL, '', %s)"] * rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SearchEntry._meta.db_table} "
            f"(kind, dataset_id, row_id, field_id, document_id, text, norm) VALUES {values}",
            flat,
        )


def reindex_dataset(dataset: Dataset, progress: Callable[[int, int], None] | None = None) -> int:
    """The dataset's metadata and every current row, from scratch (kaidan search reindex)."""
    with transaction.atomic():
        SearchEntry.objects.filter(dataset=dataset).delete()
        index_metadata(dataset)
        fields = text_fields(dataset)
        if not fields:
            return 0
        done = 0
        rows: list[tuple[int, list[Any]]] = []
        for row in store.iter_rows(dataset, fields):
            rows.append(row)
            if len(rows) >= BATCH:
                done += _index_rows(dataset, fields, rows)
                rows = []
                if progress:
                    progress(done, dataset.row_count)
        done += _index_rows(dataset, fields, rows)
        if progress:
            progress(done, dataset.row_count)
    if done > INLINE_ROWS:
        _analyze()
    return done


def _analyze() -> None:
    """PostgreSQL: fresh statistics after many entries were written. Without them the planner joined the
    lexeme index's bitmap to the (dataset, row) index's — every entry of a big dataset — and the lossy result
    made it recompute the lexemes of most rows (1.3 s for a 2-character word on 1,000,000 records)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchentry")


def index_revision(dataset: Dataset, revision: Revision) -> None:
    """Follow one revision (called inside its transaction)."""
    index_metadata(dataset)  # unchanged (the usual case) costs one look
    if revision.schema_changed and revision.number > 1:
        reindex_dataset(dataset)  # columns added, removed or retyped
        return
    written = revision.added + revision.changed + revision.removed
    if written > INLINE_ROWS:
        from .tasks import reindex_dataset_task

        pk = dataset.pk
        transaction.on_commit(lambda: reindex_dataset_task.enqueue(pk))
        return
    alive, deleted = ids_written_at(dataset, revision.number)
    ids = alive + deleted
    for start in range(0, len(ids), 500):
        SearchEntry.objects.filter(dataset=dataset, row_id__in=ids[start : start + 500]).delete()
    fields = text_fields(dataset)
    if not fields or not alive:
        return
    for start in range(0, len(alive), 500):
        chunk = alive[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        _index_rows(
            dataset, fields, store.iter_rows(dataset, fields, where=f"_id IN ({marks})", params=chunk)
        )


def index_document(document: Document) -> None:
    SearchEntry.objects.filter(kind=Kind.DOCUMENT, document=document).delete()
    if getattr(document, "deleted_at", None) is not None:
        return
    version = document.versions.order_by("-number").first() if hasattr(document, "versions") else None
    body = version.extracted_text if version is not None else ""
    text = f"{document.title}\n{document.description}\n{body}"
    entry = _entry(Kind.DOCUMENT, text, limit=MAX_DOCUMENT, document=document)
    if entry is not None:
        entry.save()
