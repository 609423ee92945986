"""Find the table inside a messy municipal sheet.

Municipal spreadsheets put titles above the header, ``#`` metadata rows
(Takamatsu's open-data format), two-row or merged headers, notes (``※…``) and
totals rows below the data.  ``detect_layout`` looks at the first rows only
(the sample); ``classify_row`` then sorts every later row while streaming.
Everything detected can be overridden (``Layout.with_header``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

from kaidan.values.messages import Message, gettext_noop
from kaidan.values.normalize import normalize_text, parse_number
from kaidan.values.wareki import parse_date

from .errors import Issue

RowKind = Literal["data", "blank", "note", "total", "meta"]

PROPERTY_MARKER = "#property"
_META = re.compile(r"^#[A-Za-z_][\w\-]*$")
NOTE_PREFIXES: tuple[str, ...] = (
    "※",
    "注",
    "(注",
    "（注",
    "＊",
    "*",
    "出典",
    "出所",
    "資料:",
    "資料：",
    "備考:",
    "備考：",
    "Source:",
    "Note:",
)
"""A row whose only non-empty cell starts with one of these is a note."""
TOTAL_WORDS: frozenset[str] = frozenset(
    {"合計", "総計", "計", "小計", "総数", "total", "grandtotal", "subtotal"}
)
"""Cell values (spaces removed, lower-cased) that mark a totals row."""
_ANNOTATION_PREFIXES = ("←", "→", "↑", "↓", "※")
MAX_HEADER_ROWS = 3


def cell_text(value: object) -> str:
    """A cell as stripped text; ``3.0`` from Excel reads as ``3``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip(" \t\r\n\u3000\u00a0\ufeff")


def clean_header(value: object) -> str:
    """Header name: half-width kana widened, whitespace normalised.

    Spaces between two non-ASCII characters are removed (Excel layouts pad
    ``　歯　科　技　工　所　名`` with full-width spaces); other runs of
    whitespace, full-width spaces and newlines included, become one space.
    """
    text = normalize_text(cell_text(value))
    text = re.sub(r"(?<=[^\x00-\x7f])[\s\u3000]+(?=[^\x00-\x7f])", "", text)
    return re.sub(r"[\s\u3000]+", " ", text).strip()


@dataclass(frozen=True)
class ColumnSpec:
    """A kept column: 0-based ``index`` in the raw rows, final unique ``name``
    and the header cells it was built from (top to bottom)."""

    index: int
    name: str
    source_names: list[str]


@dataclass
class Layout:
    """Where the table is.  Row indices are 0-based positions in the raw rows."""

    header_rows: list[int]
    data_start: int
    skipped_rows: dict[int, str]
    columns: list[ColumnSpec]
    metadata: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    sample: list[list[object]] = field(default_factory=list, repr=False)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def with_header(self, rows: list[int]) -> Layout:
        """The layout obtained when the user says the header is ``rows``."""
        return detect_layout(self.sample, header_rows=rows)


def _is_meta(texts: list[str]) -> bool:
    return bool(texts) and bool(_META.match(texts[0])) and texts[0].lower() != PROPERTY_MARKER


def _count(texts: list[str]) -> int:
    return sum(1 for text in texts if text)


def _is_title(count: int, max_count: int) -> bool:
    """Titles ("令和5年度 施設一覧", "単位:人") are short rows above a wide table."""
    return 0 < count < max_count and count <= max(1, max_count // 4)


def _value_like(value: object) -> bool:
    """Numbers and dates are data, not header labels."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | date | time):
        return True
    text = cell_text(value)
    if not text:
        return False
    for parser in (parse_number, parse_date):
        try:
            parser(text)
        except ValueError:
            continue
        return True
    return False


def _continues_header(rows: list[list[object]], texts: list[list[str]], upper: int) -> bool:
    """Is row ``upper + 1`` a second header row under ``upper``?

    Yes when the upper row looks like group labels (repeated labels, or blank
    cells over named sub-columns as left by merged cells), the lower row holds
    only labels, and below it some column holding a label in the lower row
    is mostly numbers/dates.
    """
    lower = upper + 1
    if lower >= len(texts) or _count(texts[lower]) == 0 or _is_meta(texts[lower]):
        return False
    top, bottom = texts[upper], texts[lower]
    labels = [text for text in top if text]
    grouped = len(labels) != len(set(labels)) or any(
        not (top[i] if i < len(top) else "") and text for i, text in enumerate(bottom)
    )
    if not grouped or any(_value_like(value) for value in rows[lower]):
        return False
    below = [row for row in rows[lower + 1 : lower + 31] if any(cell_text(v) for v in row)]
    if not below:
        return False
    for index, text in enumerate(bottom):
        if not text:
            continue
        values = [row[index] for row in below if index < len(row) and cell_text(row[index])]
        if values and sum(_value_like(v) for v in values) * 2 >= len(values):
            return True
    return False


def _column_names(texts: list[list[str]], header_rows: list[int], width: int) -> list[list[str]]:
    """Per column, the header parts from top to bottom.

    Upper rows carry a group label right across blank cells (merged cells
    arrive as blanks), but only while the cells below hold sub-labels, so a
    vertically merged single label ("備考") does not leak to its neighbours.
    """
    rows = [texts[r] + [""] * (width - len(texts[r])) for r in header_rows]
    parts: list[list[str]] = [[] for _ in range(width)]
    for level, row in enumerate(rows):
        below = rows[level + 1] if level + 1 < len(rows) else None
        carried = ""
        for index in range(width):
            label = row[index]
            if label:
                carried = label if below is not None and below[index] else ""
            elif below is not None and below[index] and carried:
                label = carried
            else:
                carried = ""
            if label and (not parts[index] or parts[index][-1] != label):
                parts[index].append(label)
    return parts


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for name in names:
        candidate, number = name, 2
        while candidate in seen:
            candidate, number = f"{name}_{number}", number + 1
        seen.add(candidate)
        result.append(candidate)
    return result


def detect_layout(sample_rows: list[list[object]], header_rows: list[int] | None = None) -> Layout:
    """Detect title/metadata rows, the header (1–3 rows), type rows and columns.

    ``header_rows`` (0-based) overrides the detected header; rows above it are
    then skipped.  Columns blank in the header and in every sampled data row
    are dropped.
    """
    texts = [[cell_text(value) for value in row] for row in sample_rows]
    counts = [_count(row) for row in texts]
    max_count = max(counts, default=0)
    skipped: dict[int, str] = {}
    metadata: dict[str, str] = {}

    def skip_above(index: int) -> bool:
        row = texts[index]
        if counts[index] == 0:
            skipped[index] = "blank"
        elif _is_meta(row):
            value = next((text for text in row[1:] if text), "")
            metadata[row[0][1:]] = value
            skipped[index] = "meta"
        elif header_rows is not None or _is_title(counts[index], max_count):
            skipped[index] = "title"
        else:
            return False
        return True

    if header_rows is None:
        start = 0
        while start < len(texts) and skip_above(start):
            start += 1
        header = [start] if start < len(texts) else []
        while header and len(header) < MAX_HEADER_ROWS and _continues_header(sample_rows, texts, header[-1]):
            header.append(header[-1] + 1)
    else:
        header = sorted(header_rows)
        for index in range(header[0] if header else 0):
            skip_above(index)

    data_start = header[-1] + 1 if header else len(texts)
    while data_start < len(texts) and (counts[data_start] == 0 or _is_meta(texts[data_start])):
        skipped[data_start] = "blank" if counts[data_start] == 0 else "meta"
        data_start += 1

    width = max((len(row) for row in texts), default=0)
    parts = _column_names(texts, header, width)
    property_column = bool(header) and any(
        texts[r][:1] == [PROPERTY_MARKER] or texts[r][:1] == ["#Property"] for r in header
    )
    partial = Layout(header, data_start, skipped, [], metadata)
    data_rows = [
        row
        for offset, row in enumerate(texts[data_start:], start=data_start)
        if offset not in skipped and classify_row(partial, sample_rows[offset]) == "data"
    ]
    # Header-less columns inside the header's span are kept for now (data may
    # start below the sample; ``plan.analyze`` drops them if they stay empty).
    # Beyond the span they are overflow: the values do not belong anywhere.
    span = max((i + 1 for r in header for i, text in enumerate(texts[r]) if text), default=width)
    raw_names: list[tuple[int, list[str], str]] = []
    for index in range(width):
        source = [p for p in parts[index] if p.lower() != PROPERTY_MARKER]
        has_data = any(index < len(row) and row[index] for row in data_rows)
        if (
            not source
            and not (property_column and index == 0)
            and (index >= span or not (has_data or header))
        ):
            continue
        name = "_".join(clean_header(p) for p in source if clean_header(p))
        if not name:
            name = "ID" if property_column and index == 0 else f"列{index + 1}"
        raw_names.append((index, parts[index], name))
    names = _unique([name for _, _, name in raw_names])
    columns = [
        ColumnSpec(index, name, list(source))
        for (index, source, _), name in zip(raw_names, names, strict=True)
    ]
    issues: list[Issue] = []
    if not header:
        issues.append(Issue("no_header", Message(gettext_noop("No header row was found"))))
    for column in columns:
        if column.name.startswith(_ANNOTATION_PREFIXES):
            issues.append(
                Issue(
                    "annotation_column",
                    Message(
                        gettext_noop(
                            "Column '%(name)s' looks like an editing note, not a field name (consider dropping it)"
                        ),
                        name=column.name,
                    ),
                )
            )
    return Layout(header, data_start, skipped, columns, metadata, issues, [list(row) for row in sample_rows])


def _first_cells(row: list[object], limit: int) -> list[tuple[int, str]]:
    cells = []
    for index, value in enumerate(row):
        if value == "" or value is None:
            continue
        text = cell_text(value)
        if text:
            cells.append((index, text))
            if len(cells) >= limit:
                break
    return cells


def classify_row(layout: Layout, raw_row: list[object]) -> RowKind:
    """Sort a row found after the header: data, blank, note, total or meta.

    Notes are rows whose only non-empty cell starts with ``※``, ``注``,
    ``出典`` … (see ``NOTE_PREFIXES``); totals rows have 合計/総計/計/小計/total
    in one of their first two non-empty cells.  Totals are flagged, not
    dropped silently: the analysis reports them.
    """
    cells = _first_cells(raw_row, 3)
    if not cells:
        return "blank"
    first_index, first = cells[0]
    if first_index == 0 and _META.match(first) and first.lower() != PROPERTY_MARKER:
        return "meta"
    if len(cells) == 1 and len(layout.columns) != 1 and first.startswith(NOTE_PREFIXES):
        return "note"
    for _, text in cells[:2]:
        if len(text) > 16:  # totals labels are short; skip normalising long text
            continue
        key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
        if key in TOTAL_WORDS:
            return "total"
    return "data"


def project(layout: Layout, raw_row: list[object]) -> list[object]:
    """The values of the kept columns (``""`` for missing cells)."""
    size = len(raw_row)
    return [
        ("" if raw_row[c.index] is None else raw_row[c.index]) if c.index < size else ""
        for c in layout.columns
    ]


def overflow(layout: Layout, raw_row: list[object]) -> list[tuple[int, object]]:
    """Non-empty cells outside the kept columns (``(0-based index, value)``).

    Usually a sign that a value contained the delimiter unquoted (``9,617``)
    and the row was split into one field too many.
    """
    kept = {c.index for c in layout.columns}
    return [(i, v) for i, v in enumerate(raw_row) if i not in kept and cell_text(v)]
