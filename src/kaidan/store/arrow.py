"""A visible relation's current rows as an Arrow table, column by column (the analysis engine's snapshot).

The rows are read in large pages straight from the master table, under the relation's own condition (its
row scope); each page is turned into columns at C speed (`zip`), and stored values become Arrow values by
Arrow casts (ISO dates and times as SQLite stores them, numbers), never by a Python conversion per cell.
Only current rows are read this way: as of a past revision the values are patched from the change log in
Python, and the caller uses the relation's row reader for that.

On PostgreSQL, outside a transaction, the same statement is run through ADBC (`adbc_driver_postgresql`, the
driver the import writes with), whose rows arrive as Arrow batches without a Python object per row or cell.
Its own connection sees only committed rows, which outside a transaction are all the rows this connection
sees too; inside one (an own write may not be committed yet), and wherever the driver cannot take the
statement or its types, the rows are read through Django's connection as before. Not on SQLite: the ADBC
driver carries its own copy of SQLite, and two copies in one process do not share their file locks — a
connection it opened on the database Django writes read a schema several commits old (tried: a table created
after its first connection stayed invisible to every later one), the hazard SQLite's documentation names
under "multiple copies of SQLite linked into the same application". (The import's staging writes a file of its
own for that reason.)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import time
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from kaidan.catalog.models import Dataset, Field
from kaidan.values.types import FieldType

from . import tables
from .relation import VisibleRelation

PAGE = 100_000

log = logging.getLogger(__name__)

ARROW_TYPES: dict[str, pa.DataType] = {
    FieldType.INTEGER: pa.int64(),
    FieldType.DECIMAL: pa.float64(),
    FieldType.LATITUDE: pa.float64(),
    FieldType.LONGITUDE: pa.float64(),
    FieldType.DATE: pa.date32(),
    FieldType.DATETIME: pa.timestamp("us"),
    FieldType.TIME: pa.time64("us"),
    FieldType.BOOLEAN: pa.bool_(),
}


def arrow_type(field_type: str) -> pa.DataType:
    """The Arrow type a field's values take (text for the types kept as text: postal codes, phones …)."""
    return ARROW_TYPES.get(field_type, pa.string())


def _column(values: tuple[Any, ...], field_type: str) -> pa.Array:
    target = arrow_type(field_type)
    if field_type in (FieldType.DECIMAL, FieldType.LATITUDE, FieldType.LONGITUDE):
        return (
            pa.array(values, type=pa.float64(), from_pandas=True) if _plain(values) else _cast(values, target)
        )
    if field_type == FieldType.BOOLEAN:
        return pa.array([None if v is None else bool(v) for v in values], type=target)
    if field_type in (FieldType.DATE, FieldType.DATETIME) and any(isinstance(v, str) for v in values):
        text = pa.array(values, type=pa.string())
        if field_type == FieldType.DATE:
            return pc.cast(text, pa.date32())
        return pc.cast(pc.replace_substring(text, "T", " "), pa.timestamp("us"))
    if field_type == FieldType.TIME and any(isinstance(v, str) for v in values):  # a rare type: per value
        return pa.array([None if v is None else time.fromisoformat(v) for v in values], type=target)
    return pa.array(values, type=target)


def _plain(values: tuple[Any, ...]) -> bool:
    return all(v is None or isinstance(v, float | int) for v in values)


def _cast(values: tuple[Any, ...], target: pa.DataType) -> pa.Array:
    """Decimals (PostgreSQL numeric) and numeric text as floats."""
    return pa.array([None if v is None else float(v) for v in values], type=target)


def snapshot(rel: VisibleRelation) -> pa.Table:
    """The relation's visible columns of its current rows, in display order: cut from the revision's
    columnar file when the worker has written one (kaidan.store.columnar), else read from the table."""
    if not rel.allowed or rel.as_of is not None:
        raise ValueError("a columnar snapshot reads the current rows of an allowed relation")
    if not rel.visible:
        return pa.table({})
    from . import columnar

    cut = columnar.cut(rel)
    if cut is not None:
        return cut
    where, params = rel.where()
    return read_columns(
        rel.dataset, rel.visible, names=[f.name for f in rel.visible], where=where, params=params
    )


def read_columns(
    dataset: Dataset,
    fields: Sequence[Field],
    *,
    names: Sequence[str],
    where: str,
    params: Sequence[Any],
    with_ids: bool = False,
) -> pa.Table:
    """The current rows matching `where` (an SQL condition on the table, already the relation's) of the
    given fields, in display order, as columns named `names` (and `_id` first when `with_ids`)."""
    condition = f"{tables.ALIVE}" + (f" AND ({where})" if where else "")
    cols = ", ".join([*(["_id"] if with_ids else []), *(tables.q(f.column) for f in fields)])
    sql = f"SELECT {cols} FROM {tables.q(dataset.table_name)} WHERE {condition} ORDER BY _ord, _id"
    types = [*([FieldType.INTEGER] if with_ids else []), *(f.type for f in fields)]
    schema = pa.schema(
        [
            pa.field(n, arrow_type(t))
            for n, t in zip([*(["_id"] if with_ids else []), *names], types, strict=True)
        ]
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        from . import staging

        if staging.available():
            try:
                return _through_adbc(schema, types, sql, list(params))
            except Exception as exc:  # noqa: BLE001 - any driver or cast failure: read the rows as before
                log.info("ADBC snapshot of %s not taken (%s); reading through Django", dataset.name, exc)
    return _through_django(schema, types, sql, list(params))


def _through_django(schema: pa.Schema, types: list[str], sql: str, params: list[Any]) -> pa.Table:
    chunks: list[list[pa.Array]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(PAGE)
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            chunks.append([_column(columns[i], t) for i, t in enumerate(types)])
    if not chunks:
        return schema.empty_table()
    batches = [pa.record_batch(arrays, schema=schema) for arrays in chunks]
    return pa.Table.from_batches(batches, schema=schema)


_PLACEHOLDER = re.compile(r"%s|%%")


def _adbc_sql(sql: str) -> str:
    """Django's `%s` placeholders as the PostgreSQL driver's (`$1 …`), `%%` as `%`."""
    count = 0

    def place(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(place, sql)


def _through_adbc(schema: pa.Schema, types: list[str], sql: str, params: list[Any]) -> pa.Table:
    from adbc_driver_postgresql import dbapi as postgres_dbapi

    from . import staging

    conn = postgres_dbapi.connect(staging.postgres_url())
    try:
        with conn.cursor() as cursor:
            cursor.execute(_adbc_sql(sql), params or None)
            read = cursor.fetch_arrow_table()
        conn.rollback()
    finally:
        conn.close()
    if read.num_rows == 0:
        return schema.empty_table()
    columns = [_typed(read.column(i), t) for i, t in enumerate(types)]
    return pa.Table.from_arrays(columns, schema=schema)


def _typed(values: pa.ChunkedArray, field_type: str) -> pa.ChunkedArray:
    """A column as the driver read it, in the field's Arrow type (the casts `_column` applies to Python
    values; a value that does not cast raises, and the snapshot is read through Django instead)."""
    target = arrow_type(field_type)
    if values.type == target:
        return values
    if pa.types.is_null(values.type):
        return pa.chunked_array([pa.nulls(len(values), type=target)])
    if field_type == FieldType.DATETIME and pa.types.is_string(values.type):
        return pc.cast(pc.replace_substring(values, "T", " "), target)
    if field_type == FieldType.TIME and pa.types.is_string(values.type):
        raise ValueError("times as text are read per value")
    if target == pa.string() and not pa.types.is_string(values.type):
        raise ValueError(f"{values.type} where text is stored")
    return pc.cast(values, target)
