"""Analyse a source file end to end: format, encoding, layout, column types.

``analyze`` streams the whole file once (bounded memory: a sample of rows for
layout detection plus per-column counters), and ``iter_records`` streams it
again yielding only the data rows, for the importer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from kaidan.values.types import FieldType

from . import limits
from .encoding import detect_encoding
from .errors import Issue
from .infer import ColumnGuess, TypeTracker
from .layout import TOTAL_WORDS, Layout, classify_row, detect_layout, overflow, project
from .readers import SPREADSHEET_FORMATS, Source, iter_numbered_rows, list_sheets, sniff_format

SAMPLE_SIZE = 50
BATCH_ROWS = 20_000
MAX_ROW_EXAMPLES = 20


@dataclass
class Analysis:
    """What ``analyze`` found.  Row numbers are 1-based as the user counts."""

    source: Source
    sheets: list[str]
    layout: Layout
    columns: list[ColumnGuess]
    data_rows: int
    total_rows: list[int] = field(default_factory=list)
    note_rows: list[int] = field(default_factory=list)
    blank_rows: int = 0
    overflow_rows: list[int] = field(default_factory=list)
    overflow_count: int = 0
    issues: list[Issue] = field(default_factory=list)
    # numbers of the sampled rows, so that layout indices map to row numbers
    sample_numbers: list[int] = field(default_factory=list, repr=False)

    @property
    def format(self) -> str:
        return self.source.format

    @property
    def encoding(self) -> str | None:
        return self.source.encoding

    @property
    def path(self) -> Path:
        return self.source.path

    @property
    def header_names(self) -> list[str]:
        return self.layout.names

    def column(self, name: str) -> ColumnGuess:
        """The guess for the column called ``name``."""
        for guess in self.columns:
            if guess.name == name:
                return guess
        raise KeyError(name)

    def types(self) -> dict[str, FieldType]:
        return {guess.name: guess.type for guess in self.columns}


def _source(path: Path, encoding: str | None, sheet: str | None) -> tuple[Source, list[str]]:
    fmt = sniff_format(path)
    sheets: list[str] = []
    if fmt in SPREADSHEET_FORMATS:
        sheets = list_sheets(path)
        return Source(
            path, fmt, None, sheet if sheet is not None else (sheets[0] if sheets else None)
        ), sheets
    if fmt in ("csv", "tsv"):
        encoding = encoding or detect_encoding(path)
    return Source(path, fmt, encoding), sheets


def _records(source: Source, layout: Layout) -> Iterator[tuple[int, str, list[object]]]:
    """Rows from ``layout.data_start`` on: (row number, classification, raw)."""
    for index, (number, raw) in enumerate(iter_numbered_rows(source)):
        if index < layout.data_start or index in layout.skipped_rows:
            continue
        yield number, "data" if _surely_data(raw) else classify_row(layout, raw), raw


def analyze(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    header_rows: list[int] | None = None,
    sample_size: int = SAMPLE_SIZE,
    scan: bool = True,
) -> Analysis:
    """Detect format, encoding, layout and column types of ``path``.

    ``encoding``, ``sheet`` and ``header_rows`` (0-based raw row indices)
    override detection.  Raises ``ReadError`` when the file cannot be read.
    ``scan=False`` stops after the layout (read from the first rows only): no
    types, counts or issues; the importer uses it when the plan is confirmed.
    """
    path = Path(path)
    source, sheets = _source(path, encoding, sheet)
    numbered = list(islice(iter_numbered_rows(source), sample_size))
    layout = detect_layout([row for _, row in numbered], header_rows=header_rows)
    limits.check_columns(path, len(layout.columns))
    analysis = Analysis(source, sheets, layout, [], 0, sample_numbers=[n for n, _ in numbered])
    if not scan:
        return analysis
    tracker = TypeTracker(layout.names)
    indices = [c.index for c in layout.columns]
    width = max(indices, default=-1) + 1
    contiguous = indices == list(range(len(indices)))
    numbers: list[int] = []
    rows: list[list[object]] = []
    for number, kind, raw in _records(source, layout):
        if kind == "data":
            analysis.data_rows += 1
            if (not contiguous or len(raw) > width) and overflow(layout, raw):
                analysis.overflow_count += 1
                if len(analysis.overflow_rows) < MAX_ROW_EXAMPLES:
                    analysis.overflow_rows.append(number)
            numbers.append(number)
            rows.append(raw if len(raw) >= width else [*raw, *([""] * (width - len(raw)))])
            if len(rows) >= BATCH_ROWS:
                tracker.add_columns(numbers, _columns(rows, indices))
                numbers, rows = [], []
        elif kind == "total":
            analysis.total_rows.append(number)
        elif kind == "note":
            analysis.note_rows.append(number)
        elif kind == "blank":
            analysis.blank_rows += 1
    if rows:
        tracker.add_columns(numbers, _columns(rows, indices))
    analysis.columns = tracker.results()
    _drop_empty_unnamed(analysis)
    analysis.issues = _issues(analysis)
    return analysis


def _drop_empty_unnamed(analysis: Analysis) -> None:
    """Drop columns with neither a header name nor any value in the file."""
    keep = [
        i
        for i, (spec, guess) in enumerate(zip(analysis.layout.columns, analysis.columns, strict=True))
        if spec.source_names or guess.count_ok + guess.count_bad > 0 or spec.name == "ID"
    ]
    analysis.layout.columns = [analysis.layout.columns[i] for i in keep]
    analysis.columns = [analysis.columns[i] for i in keep]


def _issues(analysis: Analysis) -> list[Issue]:
    issues = list(analysis.layout.issues)
    if analysis.overflow_count:
        rows = ", ".join(str(n) for n in analysis.overflow_rows[:10])
        width = len(analysis.layout.columns)
        issues.append(
            Issue(
                "overflow",
                f"{analysis.overflow_count}行で見出し（{width}列）より多くの値があります（{rows}行目など）。"
                "値に区切り文字（カンマなど）が引用符なしで含まれている可能性があり、列がずれています",
                f"{analysis.overflow_count} rows have more values than the header's {width} columns "
                f"(rows {rows} …): a value probably contains the delimiter (e.g. a thousands comma) "
                "without quotes, so the values are shifted",
            )
        )
    if analysis.total_rows:
        issues.append(
            Issue(
                "total_rows",
                f"合計行が{len(analysis.total_rows)}行あります（取り込み対象外）",
                f"{len(analysis.total_rows)} totals rows were found (not imported as data)",
            )
        )
    if analysis.data_rows == 0:
        issues.append(Issue("no_data", "データ行がありません", "No data rows were found"))
    for guess in analysis.columns:
        issues.extend(guess.issues)
    return issues


_STRIP = " \t\r\n\u3000\u00a0\ufeff"
_TOTAL_MEMO: dict[str, bool] = {}


def _maybe_total(text: str) -> bool:
    """False only when ``text`` (stripped, non-empty) can not be a totals label for ``classify_row``."""
    if len(text) > 16:
        return False
    if text.isascii():
        return "tal" in text.lower()
    found = _TOTAL_MEMO.get(text)
    if found is None:
        found = "".join(unicodedata.normalize("NFKC", text).split()).lower() in TOTAL_WORDS
        if len(_TOTAL_MEMO) < 4096:
            _TOTAL_MEMO[text] = found
    return found


def _surely_data(raw: list[object]) -> bool:
    """A cheap test that ``classify_row`` would say "data": the first two cells are non-empty
    text, the first is no ``#meta`` cell and neither is a totals word.  False means "ask classify_row"."""
    if len(raw) < 2:
        return False
    first, second = raw[0], raw[1]
    if type(first) is not str or type(second) is not str:
        return False
    first, second = first.strip(_STRIP), second.strip(_STRIP)
    if not first or not second or first[0] == "#":
        return False
    both = f"{first}\x00{second}"
    if both.isascii():
        return "tal" not in both.lower()  # total, subtotal, grandtotal
    return not _maybe_total(first) and not _maybe_total(second)


def iter_record_batches(
    analysis: Analysis, size: int = BATCH_ROWS
) -> Iterator[tuple[list[int], list[list[object]]]]:
    """The data rows of ``iter_records`` in batches, transposed: ``(row numbers, one list per column)``."""
    layout = analysis.layout
    indices = [c.index for c in layout.columns]
    width = max(indices, default=-1) + 1
    numbers: list[int] = []
    rows: list[list[object]] = []
    for number, kind, raw in _records(analysis.source, layout):
        if kind != "data":
            continue
        if len(raw) < width:
            raw = [*raw, *([""] * (width - len(raw)))]
        numbers.append(number)
        rows.append(raw)
        if len(rows) >= size:
            yield numbers, _columns(rows, indices)
            numbers, rows = [], []
    if rows:
        yield numbers, _columns(rows, indices)


def _columns(rows: list[list[object]], indices: list[int]) -> list[list[object]]:
    if not indices:
        return []
    # every row is padded to the kept width, so zip's shortest row still covers every kept index
    transposed = list(zip(*rows, strict=False))
    columns = []
    for i in indices:
        column = list(transposed[i])
        if None in column:
            column = ["" if v is None else v for v in column]
        columns.append(column)
    return columns


def iter_records(analysis: Analysis) -> Iterator[tuple[int, list[object]]]:
    """Yield ``(source row number, projected raw values)`` for data rows only."""
    for number, kind, raw in _records(analysis.source, analysis.layout):
        if kind == "data":
            yield number, project(analysis.layout, raw)
