"""Analyse a source file end to end: format, encoding, layout, column types.

``analyze`` streams the whole file once (bounded memory: a sample of rows for
layout detection plus per-column counters), and ``iter_records`` streams it
again yielding only the data rows, for the importer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any

from kaidan.values.messages import Message, gettext_noop
from kaidan.values.types import FieldType

from . import limits
from .encoding import detect_encoding
from .errors import Issue
from .infer import ColumnGuess, TypeTracker
from .layout import TOTAL_WORDS, Layout, classify_row, detect_layout, overflow, project
from .readers import (
    SPREADSHEET_FORMATS,
    NotRectangular,
    Source,
    Utf8Copy,
    arrow_batches,
    arrow_encoding,
    iter_numbered_rows,
    list_sheets,
    sniff_format,
    utf8_copy,
)

SAMPLE_SIZE = 50
BATCH_ROWS = 20_000
MAX_ROW_EXAMPLES = 20
ARROW_CSV = True
"""Read rectangular CSV/TSV files with ``pyarrow.csv`` (same rows and cells as ``csv``; tests compare both)."""


@dataclass(frozen=True)
class ArrowScan:
    """How the Arrow reader finds the data rows: the first ``start`` records (one line each) are skipped,
    so the first data row is record ``start + 1``; every record has ``width`` cells."""

    start: int
    width: int
    checked: bool = False  # the whole file was read this way once (by the analysis)
    utf8: Utf8Copy | None = None  # the file transcoded once by the analysis, read again by the import
    all_data: bool = False  # the analysis found every record from ``start`` on to be a data row


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
    arrow: ArrowScan | None = field(default=None, repr=False)

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
    analysis.arrow = _arrow_scan(source, layout, numbered)
    if not scan:
        return analysis
    tracker = TypeTracker(layout.names)
    indices = [c.index for c in layout.columns]
    if analysis.arrow is not None and indices == list(range(analysis.arrow.width)):
        scan_ = replace(analysis.arrow, utf8=utf8_copy(source))
        try:
            all_data = _scan_arrow(analysis, scan_, tracker)
            analysis.arrow = replace(scan_, checked=True, all_data=all_data)
        except NotRectangular:
            if scan_.utf8 is not None:
                scan_.utf8.remove()
            analysis.arrow = None
            analysis.data_rows, analysis.blank_rows, analysis.overflow_count = 0, 0, 0
            analysis.total_rows, analysis.note_rows, analysis.overflow_rows = [], [], []
            tracker = TypeTracker(layout.names)
            _scan_rows(analysis, tracker)
    else:
        _scan_rows(analysis, tracker)
    analysis.columns = tracker.results()
    _drop_empty_unnamed(analysis)
    analysis.issues = _issues(analysis)
    return analysis


def _scan_rows(analysis: Analysis, tracker: TypeTracker) -> None:
    """The analysis' pass over the file, row by row (any format)."""
    source, layout = analysis.source, analysis.layout
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


def _scan_arrow(analysis: Analysis, scan: ArrowScan, tracker: TypeTracker) -> bool:
    """The same pass as ``_scan_rows`` over a rectangular CSV read by Arrow (no row can overflow).
    True when every record was a data row."""
    layout = analysis.layout
    records = _arrow_records(analysis.source, layout, scan, list(range(scan.width)), arrays=True)
    all_data = True
    for numbers, columns, others in records:
        all_data = all_data and not others
        analysis.data_rows += len(numbers)
        if numbers:
            tracker.add_columns(numbers, columns)
        for number, kind in others:
            if kind == "total":
                analysis.total_rows.append(number)
            elif kind == "note":
                analysis.note_rows.append(number)
            elif kind == "blank":
                analysis.blank_rows += 1
    return all_data


def _arrow_scan(source: Source, layout: Layout, numbered: list[tuple[int, list[object]]]) -> ArrowScan | None:
    """An ``ArrowScan`` when the file can be read by Arrow from its first data row on, else ``None``."""
    if not ARROW_CSV or arrow_encoding(source) is None:
        return None
    start = layout.data_start
    if start >= len(numbered) or [n for n, _ in numbered[: start + 1]] != list(range(1, start + 2)):
        return None
    # each record before the data must be one line, so that Arrow can skip them by lines
    if any(isinstance(c, str) and ("\n" in c or "\r" in c) for _, row in numbered[:start] for c in row):
        return None
    width = len(numbered[start][1])
    if width < 2 or any(c.index >= width for c in layout.columns):
        return None
    return ArrowScan(start, width)


def _arrow_records(
    source: Source,
    layout: Layout,
    scan: ArrowScan,
    indices: list[int],
    size: int = BATCH_ROWS,
    arrays: bool = False,
) -> Iterator[tuple[list[int], list[Any], list[tuple[int, str]]]]:
    """``(data row numbers, their cells column by column, other rows as (number, kind))`` in file order,
    at most ``size`` data rows at a time: what ``_records`` gives, read by Arrow and sorted with kernels
    (``classify_row`` only for the rows the quick test cannot vouch for)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    limit = limits.max_rows()
    base = scan.start  # records before this batch
    for batch in arrow_batches(source, scan.start, scan.width, utf8=scan.utf8):
        count = batch.num_rows
        if base + count > limit:
            raise limits.too_many_rows(source.path, limit + 1)
        if scan.all_data:  # the analysis sorted these rows already: all data
            unsure = []
        else:
            sure = _surely_data_mask(batch.column(0), batch.column(1))
            unsure = pc.indices_nonzero(pc.invert(sure)).to_pylist()
        others: list[tuple[int, str]] = []
        if unsure:
            extra = []
            rows = batch.take(pa.array(unsure, pa.int64())).to_pylist()
            for position, row in zip(unsure, rows, strict=True):
                kind = classify_row(layout, list(row.values()))
                if kind == "data":
                    extra.append(position)
                else:
                    others.append((base + position + 1, kind))
            positions = sorted(pc.indices_nonzero(sure).to_pylist() + extra)
            chosen = [batch.column(i).take(pa.array(positions, pa.int64())) for i in indices]
        else:
            positions = list(range(count))
            chosen = [batch.column(i) for i in indices]
        numbers = [base + position + 1 for position in positions]
        if not numbers:
            yield [], [[] for _ in indices], others
        for offset in range(0, len(numbers), size):
            part = [column.slice(offset, size) for column in chosen]
            if not arrays:
                part = [column.to_pylist() for column in part]
            yield numbers[offset : offset + size], part, others if offset == 0 else []
        base += count


def _surely_data_mask(first: Any, second: Any) -> Any:
    """``_surely_data`` for a batch of rows by their first two cells, as a boolean Arrow array.

    It is at least as strict as ``_surely_data`` (so it never says "data" where ``classify_row`` would
    not): any cell holding ``tal`` is left to ``classify_row``, and a short non-ASCII cell is checked
    against the totals words once per distinct value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a = pc.utf8_trim(first, characters=_STRIP)
    b = pc.utf8_trim(second, characters=_STRIP)
    sure = pc.and_(pc.greater(pc.utf8_length(a), 0), pc.greater(pc.utf8_length(b), 0))
    sure = pc.and_(sure, pc.invert(pc.starts_with(a, "#")))
    for text in (a, b):
        sure = pc.and_(sure, pc.invert(pc.match_substring(text, "tal", ignore_case=True)))
        short = pc.and_(pc.invert(pc.string_is_ascii(text)), pc.less_equal(pc.utf8_length(text), 16))
        distinct = pc.unique(pc.filter(text, short)).to_pylist()
        totals = [value for value in distinct if _maybe_total(value)]
        if totals:
            sure = pc.and_(sure, pc.invert(pc.is_in(text, value_set=pa.array(totals, pa.string()))))
    return sure


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
                Message(
                    gettext_noop(
                        "%(overflow_count)s rows have more values than the header's %(width)s columns (rows %(rows)s …): a value probably contains the delimiter (e.g. a thousands comma) without quotes, so the values are shifted"
                    ),
                    overflow_count=analysis.overflow_count,
                    width=width,
                    rows=rows,
                ),
            )
        )
    if analysis.total_rows:
        issues.append(
            Issue(
                "total_rows",
                Message(
                    gettext_noop("%(value)s totals rows were found (not imported as data)"),
                    value=len(analysis.total_rows),
                ),
            )
        )
    if analysis.data_rows == 0:
        issues.append(Issue("no_data", Message(gettext_noop("No data rows were found"))))
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


_TYPED_CELLS = frozenset({int, float, date, datetime, time})  # not bool: its text is "True"/"False"


def _surely_data(raw: list[object]) -> bool:
    """A cheap test that ``classify_row`` would say "data": the first two cells are non-empty
    text, the first is no ``#meta`` cell and neither is a totals word.  False means "ask classify_row"."""
    if len(raw) < 2:
        return False
    first, second = raw[0], raw[1]
    if type(first) is not str or type(second) is not str:
        # a spreadsheet's typed cells: a number or a date is never empty, a #meta cell or a totals word
        if not (type(first) is str or type(first) in _TYPED_CELLS) or not (
            type(second) is str or type(second) in _TYPED_CELLS
        ):
            return False
        first = first.strip(_STRIP) if type(first) is str else "0"
        second = second.strip(_STRIP) if type(second) is str else "0"
    else:
        first, second = first.strip(_STRIP), second.strip(_STRIP)
    if not first or not second or first[0] == "#":
        return False
    both = f"{first}\x00{second}"
    if both.isascii():
        return "tal" not in both.lower()  # total, subtotal, grandtotal
    return not _maybe_total(first) and not _maybe_total(second)


def iter_record_batches(
    analysis: Analysis, size: int = BATCH_ROWS, arrays: bool = False
) -> Iterator[tuple[list[int], list[Any]]]:
    """The data rows of ``iter_records`` in batches, transposed: ``(row numbers, one list per column)``.

    ``arrays=True`` gives the columns as Arrow string arrays where the file is read by Arrow (the same
    values; the importer's converters take them as they are), Python lists elsewhere."""
    layout = analysis.layout
    indices = [c.index for c in layout.columns]
    width = max(indices, default=-1) + 1
    scan = analysis.arrow
    if scan is not None and (scan.checked or _readable_by_arrow(analysis.source, scan)):
        records = _arrow_records(analysis.source, layout, scan, indices, size, arrays)
        for numbers_, columns, _others in records:
            if numbers_:
                yield numbers_, columns
        return
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


def _readable_by_arrow(source: Source, scan: ArrowScan) -> bool:
    """True when Arrow reads the whole file as ``scan`` says (checked before an import that was not
    preceded by a full analysis, so that it never has to change reader half-way)."""
    try:
        for _batch in arrow_batches(source, scan.start, scan.width):
            pass
    except NotRectangular:
        return False
    return True


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
