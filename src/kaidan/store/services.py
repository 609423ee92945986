"""Writing revisions of a master table.

A revision is opened with `open_revision` (which locks the dataset row, so two writers never get the same
revision number), filled through a RevisionWriter, and closed with `finish`. Callers run all of it in
one transaction: a failure or a killed process leaves the dataset exactly as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pyarrow as pa
from django.db import connection, transaction
from django.dispatch import Signal

from kaidan.access.actors import Actor, account_of
from kaidan.catalog.models import Dataset, Field
from kaidan.core import failpoints

from . import columnar, tables
from . import staging as staging_
from .batches import NotArrow, canonical_text, row_hashes, stored_array
from .models import Blob, Revision, RowChange
from .selectors import schema_at
from .values import fingerprint as _fingerprint
from .values import from_db, row_hash, to_db, to_json

BATCH = 2000
ANALYZE_FROM_ROWS = 10_000
BULK_BATCH = 20_000
STAGING_FROM_ROWS = (
    50_000  # below this, a staging table (an ADBC connection, a file) costs more than it saves
)
# keys whose stored form compares in SQL exactly as their canonical JSON form does in Python
_SET_BASED_KEYS = frozenset({"text", "code", "integer", "date", "postal_code", "phone"})
_PLAIN = (str, int, type(None))  # to_db leaves these as they are on every database (bool is not int here)
_PLAIN_SET = set(_PLAIN)
_STR = {str}
_TEMPORAL = {date, datetime, time, type(None)}
_bulk = threading.local()  # inside bulk_write(): the writer thread and the writers that use it

revision_written = Signal()
"""Sent at the end of every revision, inside its transaction: dataset=, revision= (kaidan.search listens)."""


def schema_snapshot(fields: Sequence[Field]) -> list[dict[str, Any]]:
    return [
        {
            "id": f.pk,
            "name": f.name,
            "label": f.label,
            "type": f.type,
            "classification": f.classification,
            "unit": f.unit,
        }
        for f in fields
    ]


def open_revision(
    dataset: Dataset,
    *,
    actor: Actor,
    source: str,
    message: str = "",
    source_file: Blob | None = None,
    source_name: str = "",
    mode: str = "",
) -> Revision:
    """Start the next revision. Must run inside transaction.atomic()."""
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    dataset.current_revision = locked.current_revision
    author = account_of(actor=actor)
    columnar.schedule(dataset)  # after the commit, for a big dataset: its rows as a file for analysis
    return Revision.objects.create(
        dataset=dataset,
        number=locked.current_revision + 1,
        author=author,
        message=message,
        source=source,
        source_file=source_file,
        source_name=source_name,
        mode=mode,
    )


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    removed: int = 0
    rejected: int = 0


class RevisionWriter:
    """Buffers inserts and cell changes of one revision and writes them in batches."""

    def __init__(self, dataset: Dataset, revision: Revision, fields: Sequence[Field]) -> None:
        self.dataset = dataset
        self.revision = revision
        self.fields = list(fields)
        self.vendor = connection.vendor
        self.counts = Counts()
        self._next_id = tables.next_row_id(dataset)
        self._inserts: list[list[Any]] = []
        self._changes: list[RowChange] = []
        self._columns = [*tables.BOOKKEEPING, *(f.column for f in self.fields)]
        # inside bulk_write(), insert_columns hands its rows to a writer thread on this same connection
        # (same transaction) and prepares the next batch meanwhile; every other call waits for it first
        self._background: ThreadPoolExecutor | None = getattr(_bulk, "executor", None)
        self._pending: Future[None] | None = None
        self._staging: staging_.Staging | None = None
        self._staging_key: Field | None = None  # the staged rows are an upsert by this key
        if self._background is not None:
            _bulk.writers.append(self)

    def wait(self) -> None:
        """Wait for the rows handed to the writer thread (raising what their write raised)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def insert(self, values: Sequence[Any], *, ord_: int | None = None) -> int:
        """Insert one row (values in field order, Python-typed). Returns its row id."""
        row_id = self._next_id
        self._next_id += 1
        number = self.revision.number
        stored = [to_db(v, f.type, self.vendor) for v, f in zip(values, self.fields, strict=True)]
        self._inserts.append([row_id, ord_ or row_id, number, None, number, row_hash(list(values)), *stored])
        self.counts.added += 1
        if len(self._inserts) >= BATCH:
            self._flush_inserts()
        return row_id

    def insert_many(self, rows: Iterable[Sequence[Any]]) -> None:
        """Insert many rows (each in field order, Python-typed), like `insert` on each, faster."""
        batch = [tuple(values) for values in rows]
        if not batch:
            return
        columns = list(zip(*batch, strict=True)) if self.fields else []
        self.insert_columns(columns, len(batch))

    def insert_columns(self, columns: Sequence[Sequence[Any]], count: int) -> None:
        """Insert `count` rows given column by column (one sequence per field, in field order), like
        `insert` on each row, faster.

        The work is done column by column: values that `to_db` would leave alone are not touched, and
        each row's fingerprint text is joined from per-column canonical texts (as `row_hash` does).
        """
        if not count:
            return
        width = len(self.fields)
        stored_columns = []
        text_columns = []
        for field, column in zip(self.fields, columns, strict=True):
            field_type, vendor = field.type, self.vendor
            kinds = set(map(type, column))
            if kinds <= _PLAIN_SET:
                stored_columns.append(column)
                if kinds == _STR:
                    text_columns.append(column)
                else:
                    text_columns.append(
                        [v if type(v) is str else "\x00" if v is None else str(v) for v in column]
                    )
            elif kinds <= _TEMPORAL:
                # dates and times: the stored text (SQLite) and the canonical text are both ISO 8601
                iso = [None if v is None else v.isoformat() for v in column]
                stored_columns.append(column if vendor == "postgresql" else iso)
                text_columns.append(["\x00" if v is None else v for v in iso])
            else:
                stored_columns.append([to_db(v, field_type, vendor) for v in column])
                text_columns.append(
                    ["\x00" if v is None else v if type(v) is str else str(to_json(v)) for v in column]
                )
        texts = list(map("\x1f".join, zip(*text_columns, strict=True))) if width else [""] * count
        first, number = self._next_id, self.revision.number
        ids = range(first, first + count)
        self._next_id = first + count
        self.counts.added += count
        self._flush_inserts()
        hashes = list(map(_fingerprint, texts))
        if self._background is not None and self.vendor == "sqlite":
            # (id, hash, values …): the writer's statement fills in _ord = _id and the revision numbers
            compact = list(zip(ids, hashes, *stored_columns, strict=True))
            write = tables.raw_inserter(self.dataset, [f.column for f in self.fields], revision=number)
            self.wait()
            self._pending = self._background.submit(write, compact)
            return
        stored_rows = zip(*stored_columns, strict=True) if width else iter([()] * count)
        self._inserts = [
            [row_id, row_id, number, None, number, row_hash_, *stored]
            for row_id, row_hash_, stored in zip(ids, hashes, stored_rows, strict=True)
        ]
        if self._background is None:
            self._flush_inserts()
            return
        rows, self._inserts = self._inserts, []
        write = tables.raw_inserter(self.dataset, self._columns)
        self.wait()
        self._pending = self._background.submit(write, rows)

    def insert_arrow(
        self, columns: Sequence[pa.Array | Sequence[Any]], count: int, *, expected: int = 0
    ) -> None:
        """Insert `count` rows given column by column like `insert_columns`, where a column may be an Arrow
        array of typed values (text, int64, date32) as the importer's converters give them.

        Inside `bulk_import()` and for a big import (``expected`` rows, or this batch, from
        `STAGING_FROM_ROWS`), the rows go through ADBC into a staging table (see `kaidan.store.staging`)
        with no Python object per cell; they reach the dataset's table in `flush`. Elsewhere, or when a
        column has no exact Arrow form, this is `insert_columns`.
        """
        if not count:
            return
        if self._staging_key is not None or not self._stage(columns, count, expected):
            self.insert_columns([_as_list(c) for c in columns], count)
            return
        self.counts.added += count

    def may_upsert_staged(self, key: Field, expected: int) -> bool:
        """True when `upsert_staged` can take this import's rows (see there)."""
        return self._staging is None and key.type in _SET_BASED_KEYS and self._may_stage(expected)

    def upsert_staged(self, columns: Sequence[pa.Array | Sequence[Any]], count: int, key: Field) -> bool:
        """Insert-or-update by ``key`` set-based: stage the rows (every field, in field order; keys unique
        and not empty), and in `flush` update the current rows with the same key whose `_hash` differs
        (through `update`, so each change is recorded) and insert the others. False (nothing done) when the
        rows cannot be staged: the caller writes them row by row."""
        if self._staging is not None and self._staging_key is None:
            return False
        if not count:
            return True
        if not self._stage(columns, count, STAGING_FROM_ROWS, keyed=True):
            return False
        self._staging_key = key
        return True

    def _stage(
        self, columns: Sequence[pa.Array | Sequence[Any]], count: int, expected: int, *, keyed: bool = False
    ) -> bool:
        if self._staging is None and not self._may_stage(max(count, expected)):
            return False
        try:
            stored = [
                stored_array(column, f.type, self.vendor)
                for f, column in zip(self.fields, columns, strict=True)
            ]
        except NotArrow:
            return False
        texts = [canonical_text(column, f.type) for f, column in zip(self.fields, columns, strict=True)]
        hashes = row_hashes(texts, count)
        first = self._next_id
        ids = pa.array(range(first, first + count), pa.int64())
        self._next_id = first + count
        self._flush_inserts()
        if self._staging is None:
            new_table = not keyed and _bulk.new_tables.get(self.dataset.pk, False)
            self._staging = staging_.Staging(
                self.dataset, self.fields, self.revision.number, new_table=new_table
            )
            _bulk.stagings.append(self._staging)
        assert self._background is not None
        self.wait()
        self._pending = self._background.submit(self._staging.append, ids, hashes, stored)
        return True

    def _may_stage(self, rows: int) -> bool:
        return (
            self._background is not None
            and rows >= STAGING_FROM_ROWS
            and getattr(_bulk, "stagings", None) is not None
            and staging_.available()
        )

    def flush(self) -> None:
        """Write everything buffered or staged into the dataset's table (still in this transaction)."""
        self._flush_inserts()
        staged, key = self._staging, self._staging_key
        if staged is None:
            return
        self._staging, self._staging_key = None, None
        if key is None:
            staged.apply()
            return
        fields = self.fields

        def changed(rows: list[tuple[int, list[Any], list[Any]]]) -> None:
            for row_id, old, new in rows:
                self.update(
                    row_id,
                    [from_db(v, f.type) for v, f in zip(old, fields, strict=True)],
                    [from_db(v, f.type) for v, f in zip(new, fields, strict=True)],
                )

        self.counts.added += staged.apply(key=key, changed=changed)

    def update(self, row_id: int, old: Sequence[Any], new: Sequence[Any]) -> bool:
        """Write the cells that differ between `old` and `new` (both in field order). False if none."""
        self.wait()
        old_cells: dict[str, Any] = {}
        new_cells: dict[str, Any] = {}
        stored: dict[str, Any] = {}
        for field, before, after in zip(self.fields, old, new, strict=True):
            if to_json(before) != to_json(after):
                old_cells[field.column] = to_json(before)
                new_cells[field.column] = to_json(after)
                stored[field.column] = to_db(after, field.type, self.vendor)
        if not stored:
            return False
        tables.update_row(self.dataset, row_id, stored, self.revision.number, row_hash(list(new)))
        self._changes.append(RowChange(revision=self.revision, row_id=row_id, old=old_cells, new=new_cells))
        self.counts.changed += 1
        if len(self._changes) >= BATCH:
            self._flush_changes()
        return True

    def delete(self, row_ids: Sequence[int]) -> int:
        self.flush()
        removed = tables.mark_deleted(self.dataset, row_ids, self.revision.number)
        self.counts.removed += removed
        return removed

    def _flush_inserts(self) -> None:
        self.wait()
        if self._inserts:
            tables.insert_rows(self.dataset, self._columns, self._inserts)
            self._inserts = []

    def _flush_changes(self) -> None:
        if self._changes:
            RowChange.objects.bulk_create(self._changes, batch_size=500)
            self._changes = []

    def finish(self, *, schema_fields: Sequence[Field] | None = None, rejected: int = 0) -> Revision:
        self.wait()
        self.flush()
        self._flush_changes()
        self.counts.rejected = rejected
        revision = self.revision
        revision.added = self.counts.added
        revision.changed = self.counts.changed
        revision.removed = self.counts.removed
        revision.rejected = rejected
        snapshot = schema_snapshot(schema_fields if schema_fields is not None else self.fields)
        unchanged = snapshot == schema_at(self.dataset, revision.number - 1)
        revision.schema = [] if unchanged else snapshot
        revision.schema_changed = not unchanged
        revision.save()
        self.dataset.current_revision = revision.number
        if self.counts.added or self.counts.removed or revision.number == 1:
            # a revision that only changed cells keeps the count (counting walks every row: 100 ms on 1M)
            self.dataset.row_count = tables.count_alive(self.dataset)
        self.dataset.save(update_fields=["current_revision", "row_count", "updated_at"])
        if self.counts.added + self.counts.changed + self.counts.removed >= ANALYZE_FROM_ROWS:
            tables.analyze(self.dataset)
        # In the revision's own transaction: followers (the search index) stay exactly as current as the data.
        revision_written.send(sender=Dataset, dataset=self.dataset, revision=revision)
        return revision


@contextmanager
def bulk_write() -> Iterator[None]:
    """Tune the connection for a big write inside the current transaction, then restore it.

    Bulk inserts of the writers opened inside go through one writer thread on the same connection, so
    one batch is written while the next is prepared (SQLite and psycopg release the GIL while they
    work); the writers are waited for before this block ends, so nothing runs after the transaction.
    On SQLite the page cache grows to 32 MiB (fewer pages spilled to the WAL mid-transaction; 128 MiB cost
    80 MB more peak memory for the 1M-row import and saved no measurable time once rows arrive through one
    INSERT … SELECT from the staging file); journaling and
    durability settings are untouched, so a killed process still leaves the database as before.
    """
    executor = ThreadPoolExecutor(1, thread_name_prefix="kaidan-bulk-write")
    _bulk.executor, _bulk.writers = executor, []
    before = None
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                before = int(cursor.fetchone()[0])
                cursor.execute("PRAGMA cache_size = -32768")  # 32 MiB
        yield
    finally:
        writers, _bulk.writers = _bulk.writers, []
        del _bulk.executor
        for writer in writers:
            try:
                writer.wait()
            except Exception:  # noqa: S110 - already failing: the transaction is rolled back anyway
                pass
        executor.shutdown(wait=True)
        if before is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {before}")


@contextmanager
def bulk_import() -> Iterator[None]:
    """One atomic bulk write: `transaction.atomic()` and `bulk_write()`, with ADBC staging allowed.

    Staging left by killed imports is removed first; this import's staging is released after its
    transaction has ended, whatever the outcome (see `kaidan.store.staging`)."""
    staging_.clean_leftovers()
    stagings: list[staging_.Staging] = []
    _bulk.stagings, _bulk.new_tables = stagings, {}
    try:
        with transaction.atomic(), bulk_write():
            yield
            failpoints.reached("import.before-commit")  # everything written, nothing committed
    finally:
        del _bulk.stagings, _bulk.new_tables
        for staged in stagings:
            staged.close()


def created_table(dataset: Dataset) -> None:
    """Tell `bulk_import` that this transaction created the dataset's table (a staging table may then
    replace it instead of being copied into it)."""
    new_tables = getattr(_bulk, "new_tables", None)
    if new_tables is not None:
        new_tables[dataset.pk] = True


def _as_list(column: pa.Array | Sequence[Any]) -> Sequence[Any]:
    return column.to_pylist() if isinstance(column, pa.Array) else column


def read_alive_by(
    dataset: Dataset, fields: Sequence[Field], key: Field, keys: Sequence[Any]
) -> dict[Any, tuple[int, int, list[Any]]]:
    """Alive rows whose key is in `keys`: {key: (row id, hash, values in field order)}."""
    result: dict[Any, tuple[int, int, list[Any]]] = {}
    if not keys:
        return result
    vendor = connection.vendor
    cols = ", ".join(tables.q(f.column) for f in fields)
    key_index = list(fields).index(key)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 500):
            chunk = [to_db(k, key.type, vendor) for k in keys[start : start + 500]]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT _id, _hash, {cols} FROM {tables.q(dataset.table_name)} "
                f"WHERE {tables.ALIVE} AND {tables.q(key.column)} IN ({marks})",
                chunk,
            )
            for row in cursor.fetchall():
                values = [from_db(v, f.type) for v, f in zip(row[2:], fields, strict=True)]
                result[to_json(values[key_index])] = (int(row[0]), int(row[1]), values)
    return result


def alive_ids_without_keys(dataset: Dataset, key: Field, keys: set[Any]) -> list[int]:
    """Alive rows whose key (in canonical JSON form, as read_alive_by gives it) is not in `keys`."""
    gone = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT _id, {tables.q(key.column)} FROM {tables.q(dataset.table_name)} WHERE {tables.ALIVE}"
        )
        for row_id, value in cursor.fetchall():
            if to_json(from_db(value, key.type)) not in keys:
                gone.append(int(row_id))
    return gone
