"""Rows as Arrow columns: what a bulk write stores, and its `_hash`, computed a column at a time.

The importer hands the writer one typed column per field: an Arrow array where its converter had a
kernel (text, integers, ISO dates), a Python list elsewhere. This module turns them into

* the **stored** columns (`stored_array`): exactly what `values.to_db` gives for each value, as an Arrow
  array of the table column's type (ADBC ingests them without a Python object per cell); and
* the row **fingerprints** (`row_hashes`): exactly `values.row_hash` of each row. That definition is
  stored (`_hash`, compared on every re-import), so it is not changed here: blake2b (8 bytes, signed big
  endian) over the canonical texts joined by U+001F, `\\x00` for an empty cell. The canonical texts are
  built by Arrow kernels (strings as they are, integers in decimal, dates in ISO 8601); only the hash
  itself is one call per row, over slices of the joined buffer (no Python string per row).

Both are tested against the per-value definitions (`tests/store/test_batches.py`).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from kaidan.catalog.models import FieldType

from .values import to_db, to_json

Column: TypeAlias = "pa.Array | Sequence[Any]"

_blake2b = hashlib.blake2b
_TEXT_TYPES = {FieldType.TEXT, FieldType.CODE, FieldType.POSTAL_CODE, FieldType.PHONE}
_NULL_TEXT = pa.scalar("\x00")


class NotArrow(ValueError):
    """A column whose values have no exact Arrow form here (the caller writes it the row-wise way)."""


def arrow_type(field_type: str, vendor: str) -> pa.DataType:
    """The Arrow type of a stored column (matching `values.sql_type` and `values.to_db`)."""
    kind = FieldType(field_type)
    if kind is FieldType.INTEGER:
        return pa.int64()
    if vendor == "postgresql":
        return {
            FieldType.DECIMAL: pa.decimal128(38, 10),  # only a declaration; values keep their own scale
            FieldType.LATITUDE: pa.float64(),
            FieldType.LONGITUDE: pa.float64(),
            FieldType.BOOLEAN: pa.bool_(),
            FieldType.DATE: pa.date32(),
            FieldType.DATETIME: pa.timestamp("us"),
            FieldType.TIME: pa.time64("us"),
        }.get(kind, pa.string())
    if kind in (FieldType.DECIMAL, FieldType.LATITUDE, FieldType.LONGITUDE):
        return pa.float64()
    if kind is FieldType.BOOLEAN:
        return pa.int64()
    return pa.string()


def stored_array(values: Column, field_type: str, vendor: str) -> pa.Array:
    """`to_db` of every value, as one Arrow array. Raises NotArrow when there is no exact form."""
    kind = FieldType(field_type)
    if isinstance(values, pa.Array):
        if kind is FieldType.DATE and values.type == pa.date32():
            if vendor == "postgresql":
                return values
            return _iso_dates(values)
        if kind is FieldType.INTEGER and values.type == pa.int64():
            return values
        if kind in _TEXT_TYPES and values.type == pa.string():
            return values
        values = values.to_pylist()
    stored = [to_db(v, kind, vendor) for v in values]
    try:
        if vendor == "postgresql" and kind is FieldType.DECIMAL:
            return pa.array(stored)  # the decimal type inferred from the values (exact, any scale)
        return pa.array(stored, arrow_type(kind, vendor))
    except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
        raise NotArrow(str(exc)) from exc


def canonical_text(values: Column, field_type: str) -> pa.Array:
    """Each value's text in the row fingerprint (`row_hash`): `\\x00` for an empty cell."""
    kind = FieldType(field_type)
    if isinstance(values, pa.Array):
        if values.type == pa.string():
            return values.fill_null(_NULL_TEXT) if values.null_count else values
        if values.type == pa.int64():
            text = pc.cast(values, pa.string())
            return text.fill_null(_NULL_TEXT) if values.null_count else text
        if kind is FieldType.DATE and values.type == pa.date32():
            return _iso_dates(values).fill_null(_NULL_TEXT)
        values = values.to_pylist()
    return pa.array(
        [
            v if type(v) is str else "\x00" if v is None else str(v) if type(v) is int else str(to_json(v))
            for v in values
        ],
        pa.string(),
    )


def _iso_dates(values: pa.Array) -> pa.Array:
    """`date.isoformat()` of each date (YYYY-MM-DD, four-digit years zero-padded, as Python writes them).

    (A cast, not `strftime`: the same text, 25 times faster.)"""
    return pc.cast(values, pa.string())


def row_hashes(texts: Sequence[pa.Array], count: int) -> pa.Array:
    """`values.fingerprint` of each row's canonical texts joined by U+001F, as a signed int64 array."""
    if texts:
        joined = pc.binary_join_element_wise(*texts, "\x1f")
    else:
        joined = pa.array([""] * count, pa.string())
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    _validity, offsets_buffer, data_buffer = joined.buffers()
    offsets = array("i")
    start = joined.offset * 4
    offsets.frombytes(memoryview(offsets_buffer)[start : start + (count + 1) * 4])  # type: ignore[index]
    data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
    blake = _blake2b
    # digest reversed: the little-endian int64 Arrow reads is the big-endian signed int fingerprint() gives
    digests = b"".join(
        [blake(data[a:b], digest_size=8).digest()[::-1] for a, b in zip(offsets, offsets[1:], strict=False)]
    )
    return pa.Array.from_buffers(pa.int64(), count, [None, pa.py_buffer(digests)])
