"""Plain-text tables for the command line, aligned on screen even with double-width (全角) characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def screen_width(text: str) -> int:
    """Columns `text` takes in a terminal: two for wide and full-width characters (漢字, かな, 全角)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Headers and rows, columns separated by two spaces, padded to line up; one line per row."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(screen_width(line[i]) for line in cells) for i in range(len(headers))]
    out = []
    for line in cells:
        padded = [cell + " " * (width - screen_width(cell)) for cell, width in zip(line, widths, strict=True)]
        out.append("  ".join(padded).rstrip())
    return "\n".join(out) + "\n"
