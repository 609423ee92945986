"""Typed values between Python, the database and JSON (for the change log and exports).

SQLite has no date or decimal types: dates are stored as ISO text and decimals as REAL there.
PostgreSQL gets real DATE, TIMESTAMP, TIME, NUMERIC and BOOLEAN columns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from kaidan.catalog.models import FieldType
from kaidan.values.normalize import plain_decimal

_blake2b = hashlib.blake2b

NUMERIC = {FieldType.DECIMAL, FieldType.LATITUDE, FieldType.LONGITUDE}

SQL_TYPES = {
    "sqlite": {
        FieldType.INTEGER: "INTEGER",
        FieldType.DECIMAL: "REAL",
        FieldType.LATITUDE: "REAL",
        FieldType.LONGITUDE: "REAL",
        FieldType.BOOLEAN: "INTEGER",
    },
    "postgresql": {
        FieldType.INTEGER: "BIGINT",
        FieldType.DECIMAL: "NUMERIC",
        FieldType.LATITUDE: "DOUBLE PRECISION",
        FieldType.LONGITUDE: "DOUBLE PRECISION",
        FieldType.BOOLEAN: "BOOLEAN",
        FieldType.DATE: "DATE",
        FieldType.DATETIME: "TIMESTAMP",
        FieldType.TIME: "TIME",
    },
}


def sql_type(field_type: str, vendor: str) -> str:
    return SQL_TYPES.get(vendor, SQL_TYPES["sqlite"]).get(FieldType(field_type), "TEXT")


def to_db(value: Any, field_type: str, vendor: str) -> Any:
    if value is None:
        return None
    if vendor == "postgresql":
        if field_type in (FieldType.LATITUDE, FieldType.LONGITUDE):
            return float(value)
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    return value


def from_db(value: Any, field_type: str) -> Any:
    """Bring a stored value back to its Python type (same result on SQLite and PostgreSQL)."""
    if value is None:
        return None
    if field_type == FieldType.DATE and isinstance(value, str):
        return date.fromisoformat(value)
    if field_type == FieldType.DATETIME and isinstance(value, str):
        return datetime.fromisoformat(value)
    if field_type == FieldType.TIME and isinstance(value, str):
        return time.fromisoformat(value)
    if field_type == FieldType.BOOLEAN:
        return bool(value)
    if field_type in NUMERIC:
        return _decimal(value)
    if field_type == FieldType.INTEGER:
        return int(value)
    return value


def _iso(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    return lambda value: parse(value) if isinstance(value, str) else value


_READERS: dict[str, Callable[[Any], Any]] = {
    FieldType.DATE: _iso(date.fromisoformat),
    FieldType.DATETIME: _iso(datetime.fromisoformat),
    FieldType.TIME: _iso(time.fromisoformat),
    FieldType.BOOLEAN: bool,
    FieldType.INTEGER: int,
}


def reader(field_type: str) -> Callable[[Any], Any] | None:
    """`from_db` for one type as a function, for reading many values of a column (None: the stored value is
    the value: text and its kin). The caller passes None through itself."""
    if field_type in NUMERIC:
        return _decimal
    return _READERS.get(field_type)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    return plain_decimal(Decimal(value))


def to_json(value: Any) -> Any:
    """A canonical JSON form: the same value always gives the same text (used by hashes and diffs)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(_decimal(value), "f")
    if isinstance(value, float):
        return format(_decimal(value), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def from_json(value: Any, field_type: str) -> Any:
    if value is None:
        return None
    if field_type in NUMERIC:
        return _decimal(value)
    return from_db(value, field_type)


def row_hash(values: Sequence[Any]) -> int:
    """A signed 64-bit fingerprint of a row's canonical values: unchanged rows are skipped cheaply."""
    text = "\x1f".join(
        [
            v if type(v) is str else "\x00" if v is None else str(v) if type(v) is int else str(to_json(v))
            for v in values
        ]
    )
    return fingerprint(text)


def fingerprint(text: str) -> int:
    """The signed 64-bit hash `row_hash` gives for its joined canonical text."""
    return int.from_bytes(_blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)
