"""How values and counts read on screen, in one place (the grid, facets, record pages, share links).

- yes/no: はい / いいえ (Yes / No), never True/False or ○/×;
- dates: 2026年12月1日 in the Japanese interface, ISO (2026-12-01) otherwise; date-times alike with the
  time (2026年12月1日 9:05); both read back as input (the cell editor starts from the shown text);
- numbers stored in a column: as stored (no grouping: years, codes and house numbers stay readable);
- counts of things (rows, entries, downloads): with thousands separators, 「10,250 行」 (`count`).

Exports are not formatted here: they keep ISO dates and plain numbers (kaidan.store.exports).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _


def _japanese() -> bool:
    return (translation.get_language() or "ja").startswith("ja")


def display_value(value: Any) -> str:
    """A stored value as people read it in the active language."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None)
        if _japanese():
            return f"{formats.date_format(naive, 'DATE_FORMAT')} {formats.date_format(naive, 'G:i')}"
        return naive.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        if not _japanese():
            return value.isoformat()
        if formats.get_format("DATE_FORMAT") == "Y年n月j日":  # the Japanese format, without a format parser
            return f"{value.year}年{value.month}月{value.day}日"
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    return str(value)


def count(value: Any) -> str:
    """A count with thousands separators in the active language's style (10,250)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value)
    return formats.number_format(number, use_l10n=True, force_grouping=True)
