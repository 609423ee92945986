"""Parse dates and times written the ways Japanese municipal files write them.

Dates come as ISO, ``2023/4/1``, ``2023年4月1日``, 和暦 (``令和5年4月1日``,
``R5.4.1``, ``H31.4.30``, ``㋿5.4.1``, ``令和元年``), with full-width digits or a
weekday suffix ``（土）``.  Excel serial numbers are *not* parsed from text
(calamine already returns real date cells as ``date`` objects).  Every parser
raises ``ValueError`` with a reason a user can act on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time

from .messages import Message, ValueProblem, gettext_noop


@dataclass(frozen=True)
class Era:
    """A Japanese era: its name, one-letter abbreviation and first/last day."""

    name: str
    letter: str
    start: date
    end: date


ERAS: tuple[Era, ...] = (
    # 明治 officially began 1868-10-23 but was applied to the whole of 1868.
    Era("明治", "M", date(1868, 1, 1), date(1912, 7, 29)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), date(9999, 12, 31)),
)
_BY_KEY = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}

_SEP = r"\s*(?:[./\-]|年)\s*"
_SEP2 = r"\s*(?:[./\-]|月)\s*"
_WAREKI = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR])\.?\s*(元|\d{1,2})"
    + _SEP
    + r"(\d{1,2})"
    + _SEP2
    + r"(\d{1,2})\s*日?$",
    re.IGNORECASE,
)
_WESTERN = re.compile(r"^(\d{4})" + _SEP + r"(\d{1,2})" + _SEP2 + r"(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YEAR_MONTH = re.compile(
    r"^(?:\d{4}|(?:明治|大正|昭和|平成|令和|[MTSHR])\s*(?:元|\d{1,2}))\s*(?:年|[./\-])\s*\d{1,2}\s*月?$", re.I
)
_WEEKDAY = re.compile(r"\s*[(（]\s*[月火水木金土日](?:\s*[・･]?\s*祝)?\s*[)）]$")
_TIME = re.compile(
    r"^(午前|午後|AM|PM)?\s*(\d{1,2})\s*(?::|時)\s*(?:(\d{1,2})\s*(?::|分)?\s*(?:(\d{1,2}(?:\.\d+)?)\s*秒?)?)?\s*(AM|PM|午前|午後)?$",
    re.IGNORECASE,
)


def _prepare(value: str) -> str:
    """NFKC (full-width digits, ㍻→平成, ㋿→令和) and strip."""
    text = unicodedata.normalize("NFKC", value).strip()
    return _WEEKDAY.sub("", text)


def _make_date(year: int, month: int, day: int, original: str) -> date:
    if not 1 <= month <= 12:
        raise ValueProblem(Message(gettext_noop("invalid month %(month)s"), month=month))
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem(
            Message(
                gettext_noop("invalid day %(day)s for %(year)s-%(month)s"),
                day=day,
                year=year,
                month=f"{month:02d}",
            )
        ) from None


def _wareki(match: re.Match[str], original: str) -> date:
    era = _BY_KEY[match.group(1).upper() if len(match.group(1)) == 1 else match.group(1)]
    year_text = match.group(2)
    era_year = 1 if year_text == "元" else int(year_text)
    if era_year < 1:
        raise ValueProblem(
            Message(
                gettext_noop("year 0 of %(era)s does not exist"),
                era=era.name,
            )
        )
    result = _make_date(era.start.year + era_year - 1, int(match.group(3)), int(match.group(4)), original)
    label = f"{era.name}{era_year}年{int(match.group(3))}月{int(match.group(4))}日"
    if result > era.end:
        raise ValueProblem(
            Message(
                gettext_noop("%(date)s is after the end of %(era)s (%(end)s)"),
                date=label,
                era=era.name,
                end=era.end.isoformat(),
            )
        )
    if result < era.start:
        raise ValueProblem(
            Message(
                gettext_noop("%(date)s is before the start of %(era)s (%(start)s)"),
                date=label,
                era=era.name,
                start=era.start.isoformat(),
            )
        )
    return result


def parse_date(value: object) -> date:
    """Parse a date; ``date``/midnight ``datetime`` objects pass through.

    ``M/D/YYYY`` (``11/1/2018``) is read month first: it is what Excel in a
    US locale writes and what such files contain.  A year-month alone
    (``2023年4月``) is rejected: it is not a day.
    """
    if isinstance(value, datetime):
        if value.time() != time(0, 0):
            raise ValueProblem(Message(gettext_noop("has a time of day")))
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueProblem(Message(gettext_noop("not a date")))
    text = _prepare(value)
    if match := _WAREKI.match(text):
        return _wareki(match, value)
    if match := _WESTERN.match(text) or _COMPACT.match(text):
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), value)
    if match := _US.match(text):
        return _make_date(int(match.group(3)), int(match.group(1)), int(match.group(2)), value)
    if _YEAR_MONTH.match(text):
        raise ValueProblem(Message(gettext_noop("a year and month without a day")))
    raise ValueProblem(Message(gettext_noop("not a recognised date format")))


def is_year_month(value: str) -> bool:
    """True for ``2023年4月``, ``2023/04``, ``令和5年4月`` (recognised, not a date)."""
    return bool(_YEAR_MONTH.match(_prepare(value)))


def parse_time(value: object) -> time:
    """Parse ``9:00``, ``９：００``, ``9時30分``, ``22：00``, ``午後2時``, ``8:00:00 PM``."""
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise ValueProblem(Message(gettext_noop("not a time")))
    text = unicodedata.normalize("NFKC", value).strip()
    match = _TIME.match(text)
    if match is None or (match.group(3) is None and "時" not in text):
        raise ValueProblem(Message(gettext_noop("not a recognised time format")))
    hour = int(match.group(2))
    minute = int(match.group(3) or 0)
    second_text = match.group(4) or "0"
    second = int(float(second_text))
    marker = (match.group(1) or match.group(5) or "").upper()
    if marker in ("PM", "午後") and hour < 12:
        hour += 12
    elif marker in ("AM", "午前") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise ValueProblem(Message(gettext_noop("time out of range (00:00–23:59)")))
    return time(hour, minute, second)


def parse_datetime(value: object) -> datetime:
    """Parse a date followed by a time (``2023-04-01 9:00``, ``R5.4.1 9時``).

    A bare date is accepted as midnight.
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0))
    if not isinstance(value, str):
        raise ValueProblem(Message(gettext_noop("not a date and time")))
    text = unicodedata.normalize("NFKC", value).strip()
    parts = re.split(r"(?:\s+|T)(?=(?:午前|午後|AM|PM)?\s*\d{1,2}\s*[:時])", text, maxsplit=1)
    if len(parts) == 1:
        return datetime.combine(parse_date(text), time(0, 0))
    return datetime.combine(parse_date(parts[0]), parse_time(parts[1]))
