"""A visible relation's current rows as an Arrow table, column by column (the analysis engine's snapshot).

The rows are read in large pages straight from the master table, under the relation's own condition (its
row scope); each page is turned into columns at C speed (`zip`), and stored values become Arrow values by
Arrow casts (ISO dates and times as SQLite stores them, numbers), never by a Python conversion per cell.
Only current rows are read this way: as of a past revision the values are patched from the change log in
Python, and the caller uses the relation's row reader for that.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from kaidan.values.types import FieldType

from . import tables
from .relation import VisibleRelation

PAGE = 100_000

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
    """The relation's visible columns of its current rows, in display order."""
    names = [f.name for f in rel.visible]
    if not rel.allowed or rel.as_of is not None:
        raise ValueError("a columnar snapshot reads the current rows of an allowed relation")
    where, params = rel.where()
    condition = f"{tables.ALIVE}" + (f" AND ({where})" if where else "")
    cols = ", ".join(tables.q(f.column) for f in rel.visible) or "1"
    sql = f"SELECT {cols} FROM {tables.q(rel.dataset.table_name)} WHERE {condition} ORDER BY _ord, _id"
    chunks: list[list[pa.Array]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(PAGE)
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            if rel.visible:
                chunks.append([_column(columns[i], f.type) for i, f in enumerate(rel.visible)])
    if not rel.visible:
        return pa.table({})
    schema = pa.schema([pa.field(n, arrow_type(f.type)) for n, f in zip(names, rel.visible, strict=True)])
    if not chunks:
        return schema.empty_table()
    batches = [pa.record_batch(arrays, schema=schema) for arrays in chunks]
    return pa.Table.from_batches(batches, schema=schema)
