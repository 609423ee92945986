"""Kaidan's value types and the one conversion of a user's cell or text to a typed value.

The ground floor of the project: ingest, store, editing, the grid's query, sharing scopes and (soon)
procedures, search and open-data validation all parse Japanese value forms (和暦, △100, 全角, phones,
postal codes) here. Pure Python, no Django: nothing in this package imports the rest of Kaidan.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from .messages import Message, ValueProblem, gettext_noop
from .normalize import (
    is_empty_marker,
    normalize_code,
    normalize_text,
    parse_bool,
    parse_latitude,
    parse_longitude,
    parse_number_ex,
    parse_phone,
    parse_postal_code,
)
from .wareki import parse_date, parse_datetime, parse_time


class FieldType(StrEnum):
    """Column types Kaidan can store."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    BOOLEAN = "boolean"
    POSTAL_CODE = "postal_code"
    PHONE = "phone"
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    CODE = "code"


TYPE_NAMES_JA = {
    FieldType.TEXT: "文字列",
    FieldType.INTEGER: "整数",
    FieldType.DECIMAL: "小数",
    FieldType.DATE: "日付",
    FieldType.DATETIME: "日時",
    FieldType.TIME: "時刻",
    FieldType.BOOLEAN: "真偽値",
    FieldType.POSTAL_CODE: "郵便番号",
    FieldType.PHONE: "電話番号",
    FieldType.LATITUDE: "緯度",
    FieldType.LONGITUDE: "経度",
    FieldType.CODE: "コード",
}

TYPE_NAMES = {
    FieldType.TEXT: gettext_noop("text"),
    FieldType.INTEGER: gettext_noop("integer"),
    FieldType.DECIMAL: gettext_noop("decimal number"),
    FieldType.DATE: gettext_noop("date"),
    FieldType.DATETIME: gettext_noop("date and time"),
    FieldType.TIME: gettext_noop("time of day"),
    FieldType.BOOLEAN: gettext_noop("yes/no"),
    FieldType.POSTAL_CODE: gettext_noop("postal code"),
    FieldType.PHONE: gettext_noop("phone number"),
    FieldType.LATITUDE: gettext_noop("latitude"),
    FieldType.LONGITUDE: gettext_noop("longitude"),
    FieldType.CODE: gettext_noop("code"),
}
"""Type names for messages (gettext msgids; the Japanese names are their translations)."""


def type_name(field_type: FieldType | str) -> Message | str:
    """The type's name as a Message ("整数" / "integer"); an unknown type as it is written."""
    try:
        return Message(TYPE_NAMES[FieldType(field_type)])
    except ValueError:
        return str(field_type)


INTEGER_MIN, INTEGER_MAX = -(2**63), 2**63 - 1
"""Whole numbers the databases store as integers (64-bit); a longer run of digits is a code or text."""


def check_integer_range(number: int) -> int:
    if not INTEGER_MIN <= number <= INTEGER_MAX:
        raise ValueProblem(Message(gettext_noop("too large for a whole number (at most 19 digits)")))
    return number


def convert(value: object, field_type: FieldType | str) -> object:
    """Convert a raw cell to the Python value for ``field_type``.

    Empty markers become ``None``.  Cells typed by the spreadsheet convert
    directly (``3.0`` → ``3`` for integer, a midnight ``datetime`` → ``date``).
    Raises ``ValueError`` with the reason when the value does not fit.
    """
    field_type = FieldType(field_type)
    if is_empty_marker(value) or (isinstance(value, str) and not value.strip()):
        return None
    if field_type is FieldType.TEXT:
        if isinstance(value, datetime | date | time):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return normalize_text(value)
    if field_type is FieldType.INTEGER:
        number = parse_number_ex(value).value
        if isinstance(number, Decimal):
            if number != number.to_integral_value():
                raise ValueProblem(Message(gettext_noop("has a fractional part")))
            number = int(number)
        return check_integer_range(number)
    if field_type is FieldType.DECIMAL:
        return Decimal(parse_number_ex(value).value)
    if field_type is FieldType.CODE:
        return normalize_code(value)
    converters: dict[FieldType, Callable[[object], object]] = {
        FieldType.DATE: parse_date,
        FieldType.DATETIME: parse_datetime,
        FieldType.TIME: parse_time,
        FieldType.BOOLEAN: parse_bool,
        FieldType.POSTAL_CODE: parse_postal_code,
        FieldType.PHONE: parse_phone,
        FieldType.LATITUDE: parse_latitude,
        FieldType.LONGITUDE: parse_longitude,
    }
    return converters[field_type](value)
