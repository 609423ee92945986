"""Reading the temporal master tables' history: rows written between two revisions, a row's values at
a revision, its bookkeeping. Not filtered by access: kaidan.store.relation and kaidan.history decide what
an actor sees. (The only SQL on dataset tables lives in kaidan.store.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from kaidan.catalog.models import Dataset, Field

from . import tables
from .models import Revision, RowChange
from .values import from_db, from_json

PAGE = 1000


@dataclass
class RawRow:
    """One row that was written between two revisions lo < hi: alive at each, values at each {field pk: v}."""

    row_id: int
    ord: int
    alive_lo: bool
    alive_hi: bool
    lo: dict[int, Any]
    hi: dict[int, Any]
    latest: dict[int, Any]
    """The stored values: the row now, or as it was deleted (row scopes hold on these too)."""


def iter_raw_changes(dataset: Dataset, fields: Sequence[Field], lo: int, hi: int) -> Iterator[RawRow]:
    """Rows created, deleted or changed in (lo, hi], ordered by row id, with their values at lo and hi.

    Reads pages of PAGE rows by primary key and their RowChanges: memory is bounded whatever the size.
    Not filtered by access: callers decide what an actor sees.
    """
    assert lo < hi
    by_column = {f.column: f for f in fields}
    cols = "".join(f", {tables.q(f.column)}" for f in fields)
    table = tables.q(dataset.table_name)
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT _id, _ord, _created_rev, _deleted_rev{cols} FROM {table} "
                "WHERE _id > %s AND _rev > %s AND _created_rev <= %s "
                "AND (_deleted_rev IS NULL OR _deleted_rev > %s) ORDER BY _id LIMIT %s",
                [last, lo, hi, lo, PAGE],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            changes: dict[int, list[tuple[int, dict[str, Any]]]] = {}
            query = (
                RowChange.objects.filter(
                    revision__dataset=dataset,
                    revision__number__gt=lo,
                    row_id__in=[int(row[0]) for row in rows],
                )
                .order_by("row_id", "revision__number", "pk")
                .values_list("row_id", "revision__number", "old")
            )
            for row_id, number, old in query:
                changes.setdefault(row_id, []).append((number, old))
            for row in rows:
                row_id, ord_, created, deleted = int(row[0]), int(row[1]), int(row[2]), row[3]
                alive_lo = created <= lo and (deleted is None or deleted > lo)
                alive_hi = created <= hi and (deleted is None or deleted > hi)
                if not (alive_lo or alive_hi):
                    continue
                stored = {f.pk: from_db(v, f.type) for f, v in zip(fields, row[4:], strict=True)}
                history = changes.get(row_id, [])
                yield RawRow(
                    row_id,
                    ord_,
                    alive_lo,
                    alive_hi,
                    _values_at(stored, history, lo, by_column),
                    _values_at(stored, history, hi, by_column),
                    stored,
                )
            if len(rows) < PAGE:
                return


def _values_at(
    stored: dict[int, Any],
    history: list[tuple[int, dict[str, Any]]],
    number: int,
    by_column: dict[str, Field],
) -> dict[int, Any]:
    """Stored values patched with the `old` cells of the first change after `number` (history ascending)."""
    values = dict(stored)
    patched: set[str] = set()
    for rev, old in history:
        if rev <= number:
            continue
        for column, value in old.items():
            f = by_column.get(column)
            if f is not None and column not in patched:
                values[f.pk] = from_json(value, f.type)
                patched.add(column)
    return values


def row_meta(dataset: Dataset, row_id: int) -> tuple[int, int, int | None] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT _ord, _created_rev, _deleted_rev FROM {tables.q(dataset.table_name)} WHERE _id = %s",
            [row_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return int(row[0]), int(row[1]), (None if row[2] is None else int(row[2]))


def stored_values(dataset: Dataset, fields: Sequence[Field], row_id: int) -> list[Any] | None:
    """A row's stored values (its latest, also after a delete) in the order of `fields`."""
    cols = ", ".join(["_id", *(tables.q(f.column) for f in fields)])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM {tables.q(dataset.table_name)} WHERE _id = %s", [row_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return [from_db(v, f.type) for f, v in zip(fields, row[1:], strict=True)]


def values_at(dataset: Dataset, fields: Sequence[Field], row_id: int, number: int) -> list[Any] | None:
    """A row's values at revision `number` (None if it was not alive then), in the order of `fields`."""
    meta = row_meta(dataset, row_id)
    if meta is None:
        return None
    _ord, created, deleted = meta
    if created > number or (deleted is not None and deleted <= number):
        return None
    stored = stored_values(dataset, fields, row_id) or []
    by_column = {f.column: f for f in fields}
    history = list(
        RowChange.objects.filter(revision__dataset=dataset, row_id=row_id, revision__number__gt=number)
        .order_by("revision__number", "pk")
        .values_list("revision__number", "old")
    )
    patched = _values_at({f.pk: v for f, v in zip(fields, stored, strict=True)}, history, number, by_column)
    return [patched[f.pk] for f in fields]


def restored_twin(dataset: Dataset, row_id: int, ord_: int, number: int, *, before: bool) -> int | None:
    """The row a restore re-inserted this row from (before=True), or re-inserted it as (before=False).

    A restore re-inserts a deleted row under a new id with its old `_ord`, in a revision of source
    "restore"; that pair (same `_ord`, restore revision) links the two rows.
    """
    restores = list(
        Revision.objects.filter(dataset=dataset, source=Revision.Source.RESTORE).values_list(
            "number", flat=True
        )
    )
    if not restores:
        return None
    table = tables.q(dataset.table_name)
    marks = ", ".join(["%s"] * len(restores))
    with connection.cursor() as cursor:
        if before:
            if number not in restores:
                return None
            cursor.execute(
                f"SELECT _id FROM {table} WHERE _ord = %s AND _id < %s AND _deleted_rev IS NOT NULL "
                f"AND _deleted_rev <= %s ORDER BY _deleted_rev DESC, _id DESC LIMIT 1",
                [ord_, row_id, number],
            )
        else:
            cursor.execute(
                f"SELECT _id FROM {table} WHERE _ord = %s AND _id > %s AND _created_rev >= %s "
                f"AND _created_rev IN ({marks}) ORDER BY _created_rev, _id LIMIT 1",
                [ord_, row_id, number, *restores],
            )
        found = cursor.fetchone()
    return None if found is None else int(found[0])


def alive_created_after(dataset: Dataset, number: int) -> list[int]:
    """Ids of the current rows created after revision `number` (a dataset restore deletes them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT _id FROM {tables.q(dataset.table_name)} WHERE {tables.ALIVE} AND _created_rev > %s",
            [number],
        )
        return [int(row[0]) for row in cursor.fetchall()]


def deleted_rev(dataset: Dataset, row_id: int) -> int | None:
    """The revision that deleted the row (None while it is alive or when it does not exist)."""
    meta = row_meta(dataset, row_id)
    return None if meta is None else meta[2]


def ids_written_at(dataset: Dataset, number: int) -> tuple[list[int], list[int]]:
    """(alive rows the revision wrote, rows it deleted): what a follower of revisions (the index) redoes."""
    # The rows whose last write is this revision: inserted, deleted, or changed (each change has its
    # RowChange). Asked that way each part is an index lookup; `_rev = %s` alone walks the whole table
    # (40 ms on 100,000 rows, most of an edit's re-index). A schema change rewrites rows without a
    # RowChange, but its followers redo the whole dataset anyway.
    # SQLite is told which index: its statistics know only that all rows of an import share one
    # _created_rev (and that most rows have no _deleted_rev), so it would rather walk the table.
    table = tables.q(dataset.table_name)
    by_created = by_deleted = ""
    if connection.vendor == "sqlite":
        by_created = f" INDEXED BY {tables.q(dataset.table_name + '_created')}"
        by_deleted = f" INDEXED BY {tables.q(dataset.table_name + '_alive')}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT _id, _deleted_rev FROM {table}{by_created} WHERE _created_rev = %s AND _rev = %s "
            f"UNION SELECT _id, _deleted_rev FROM {table}{by_deleted} WHERE _deleted_rev = %s AND _rev = %s "
            f"UNION SELECT _id, _deleted_rev FROM {table} WHERE _id IN "
            f"(SELECT c.row_id FROM {RowChange._meta.db_table} c JOIN {Revision._meta.db_table} r "
            "ON r.id = c.revision_id WHERE r.dataset_id = %s AND r.number = %s) AND _rev = %s",
            [number, number, number, number, dataset.pk, number, number],
        )
        rows = cursor.fetchall()
    alive = [int(r[0]) for r in rows if r[1] is None]
    deleted = [int(r[0]) for r in rows if r[1] is not None]
    return alive, deleted
