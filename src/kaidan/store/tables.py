"""DDL and low-level SQL for the physical master tables (one per dataset).

Every table has bookkeeping columns before the data columns `c_<field id>`:
  _id           row identity (assigned by Kaidan, so a bulk import's ids are contiguous)
  _ord          display/export order (a restored row keeps the order it had)
  _created_rev  revision that inserted the row
  _deleted_rev  revision that deleted it (NULL while alive): deletes keep the data for history
  _rev          revision that last wrote the row: the optimistic-concurrency token
  _hash         fingerprint of the data values: re-imports skip unchanged rows cheaply
Identifiers are generated, never taken from user input; values always go as parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection

from kaidan.catalog.models import Dataset, Field

from .values import sql_type

BOOKKEEPING = ["_id", "_ord", "_created_rev", "_deleted_rev", "_rev", "_hash"]
ALIVE = "_deleted_rev IS NULL"


def q(name: str) -> str:
    return _quoted(name)


@functools.cache
def _quoted(name: str) -> str:
    # Kaidan runs on one database per process, so a name's quoted form never changes; going through the
    # connection proxy for each of a page's columns cost ~0.1 ms of a one-record `datastore_search`
    return connection.ops.quote_name(name)


def vendor() -> str:
    return connection.vendor


def create_table(dataset: Dataset, fields: Sequence[Field], *, indexes: bool = True) -> None:
    """Create the dataset's table; ``indexes=False`` leaves its indexes to `create_indexes` (a bulk
    import into a new table builds them once at the end, in the same transaction: faster than
    maintaining them row by row)."""
    table = dataset.table_name
    columns = [
        # on SQLite `INTEGER PRIMARY KEY` makes _id the rowid (64-bit, like BIGINT): no separate unique index
        # to maintain, and rows written in _id order are appended (a bulk import's rows are)
        "_id INTEGER PRIMARY KEY" if vendor() == "sqlite" else "_id BIGINT PRIMARY KEY",
        "_ord BIGINT NOT NULL",
        "_created_rev INTEGER NOT NULL",
        "_deleted_rev INTEGER",
        "_rev INTEGER NOT NULL",
        "_hash BIGINT NOT NULL",
        *(f"{q(f.column)} {sql_type(f.type, vendor())}" for f in fields),
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {q(table)} ({', '.join(columns)})")
    if indexes:
        create_indexes(dataset)


def create_indexes(dataset: Dataset) -> None:
    """The indexes every master table has (besides its primary key)."""
    table = dataset.table_name
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {q(table + '_alive')} ON {q(table)} (_deleted_rev, _ord)")
        cursor.execute(f"CREATE INDEX {q(table + '_created')} ON {q(table)} (_created_rev)")
    index_display_order(dataset)


def index_display_order(dataset: Dataset) -> None:
    """The current rows in display order, as a partial index: the grid's first page reads 50 index entries.

    (PostgreSQL does not use an index on (_deleted_rev, _ord) for `_deleted_rev IS NULL ORDER BY _ord, _id`;
    a partial index on the current rows serves that order on both databases.)
    """
    table = dataset.table_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {q(table + '_current')} ON {q(table)} (_ord, _id) WHERE {ALIVE}"
        )


def add_column(dataset: Dataset, field: Field) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {q(dataset.table_name)} ADD COLUMN {q(field.column)} {sql_type(field.type, vendor())}"
        )


def index_column(dataset: Dataset, field: Field) -> None:
    """An index on one column of the current rows (grid filters, sorts, facets; key lookups)."""
    name = f"{dataset.table_name}_{field.column}_cur"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {q(name)} ON {q(dataset.table_name)} ({q(field.column)}) WHERE {ALIVE}"
        )


def index_for_grid(dataset: Dataset, field: Field) -> None:
    """An index on one column *and the display order* of the current rows, for the grid.

    A filter `column = value` then reads its first page as 50 index entries in display order (with an index
    on the column alone both databases fetched and sorted every match: 35,515 rows for one district of 1M),
    a sort reads the column in order, and a facet counts the index without touching the table.
    """
    name = f"{dataset.table_name}_{field.column}_grid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {q(name)} ON {q(dataset.table_name)} "
            f"({q(field.column)}, _ord, _id) WHERE {ALIVE}"
        )


def analyze(dataset: Dataset) -> None:
    """Refresh the planner's statistics after a big write or a new index.

    Without them both databases choose badly on a big table: PostgreSQL scans the whole table for the first
    page, and SQLite prefers the (_deleted_rev, _ord) index to a column's index for a sorted page.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {q(dataset.table_name)}")


def drop_table(dataset: Dataset) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {q(dataset.table_name)}")


def table_exists(table: str) -> bool:
    return table in connection.introspection.table_names()


def next_row_id(dataset: Dataset) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(_id), 0) FROM {q(dataset.table_name)}")
        return int(cursor.fetchone()[0]) + 1


def insert_rows(dataset: Dataset, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows given as full tuples in the order of `columns` (bookkeeping included).

    PostgreSQL gets `COPY … FROM STDIN` (several times faster than INSERTs, same transaction).
    """
    names = ", ".join(q(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {q(dataset.table_name)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {q(dataset.table_name)} ({names}) VALUES ({marks})", list(rows))


def raw_inserter(
    dataset: Dataset, columns: Sequence[str], revision: int | None = None
) -> Callable[[Sequence[Sequence[Any]]], None]:
    """A function that inserts rows like `insert_rows`, on the current connection's DB-API connection
    (same transaction), callable from another thread while this one does no other query.

    With ``revision`` (SQLite), ``columns`` are the data columns and each row is ``(id, hash, values …)``:
    the statement fills in ``_ord = _id``, ``_created_rev = _rev = revision`` and ``_deleted_rev``
    NULL (fewer values to build and bind per row)."""
    connection.ensure_connection()
    raw = connection.connection
    table = q(dataset.table_name)
    names = ", ".join(q(c) for c in columns)
    if connection.vendor == "postgresql":

        def copy_rows(rows: Sequence[Sequence[Any]]) -> None:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

        return copy_rows
    if revision is not None:
        data = "".join(f", {q(c)}" for c in columns)
        marks = "".join(f", ?{i}" for i in range(3, len(columns) + 3))
        number = int(revision)
        sql = (
            f"INSERT INTO {table} (_id, _ord, _created_rev, _deleted_rev, _rev, _hash{data}) "
            f"VALUES (?1, ?1, {number}, NULL, {number}, ?2{marks})"
        )
    else:
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(columns))})"

    def insert(rows: Sequence[Sequence[Any]]) -> None:
        raw.executemany(sql, rows)

    return insert


def update_row(dataset: Dataset, row_id: int, values: dict[str, Any], revision: int, row_hash: int) -> None:
    sets = ", ".join(f"{q(c)} = %s" for c in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(dataset.table_name)} SET {sets}, _rev = %s, _hash = %s WHERE _id = %s",
            [*values.values(), revision, row_hash, row_id],
        )


def mark_deleted(dataset: Dataset, row_ids: Sequence[int], revision: int) -> int:
    count = 0
    with connection.cursor() as cursor:
        for start in range(0, len(row_ids), 500):
            chunk = list(row_ids[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {q(dataset.table_name)} SET _deleted_rev = %s, _rev = %s "
                f"WHERE {ALIVE} AND _id IN ({marks})",
                [revision, revision, *chunk],
            )
            count += cursor.rowcount
    return count


def alive_ids(dataset: Dataset) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT _id FROM {q(dataset.table_name)} WHERE {ALIVE}")
        return [int(row[0]) for row in cursor.fetchall()]


def count_alive(dataset: Dataset) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {q(dataset.table_name)} WHERE {ALIVE}")
        return int(cursor.fetchone()[0])
