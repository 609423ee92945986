"""Analyse a source file end to end: format, encoding, layout, column types.

``analyze`` streams the whole file once (bounded memory: a sample of rows for
layout detection plus per-column counters), and ``iter_records`` streams it
again yielding only the data rows, for the importer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .encoding import detect_encoding
from .errors import Issue
from .infer import ColumnGuess, FieldType, TypeTracker
from .layout import Layout, classify_row, detect_layout, overflow, project
from .readers import SPREADSHEET_FORMATS, Source, iter_numbered_rows, list_sheets, sniff_format

SAMPLE_SIZE = 50
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
        yield number, classify_row(layout, raw), raw


def analyze(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    header_rows: list[int] | None = None,
    sample_size: int = SAMPLE_SIZE,
) -> Analysis:
    """Detect format, encoding, layout and column types of ``path``.

    ``encoding``, ``sheet`` and ``header_rows`` (0-based raw row indices)
    override detection.  Raises ``ReadError`` when the file cannot be read.
    """
    path = Path(path)
    source, sheets = _source(path, encoding, sheet)
    numbered = list(islice(iter_numbered_rows(source), sample_size))
    layout = detect_layout([row for _, row in numbered], header_rows=header_rows)
    analysis = Analysis(source, sheets, layout, [], 0, sample_numbers=[n for n, _ in numbered])
    tracker = TypeTracker(layout.names)
    for number, kind, raw in _records(source, layout):
        if kind == "data":
            analysis.data_rows += 1
            tracker.add(number, project(layout, raw))
            if overflow(layout, raw):
                analysis.overflow_count += 1
                if len(analysis.overflow_rows) < MAX_ROW_EXAMPLES:
                    analysis.overflow_rows.append(number)
        elif kind == "total":
            analysis.total_rows.append(number)
        elif kind == "note":
            analysis.note_rows.append(number)
        elif kind == "blank":
            analysis.blank_rows += 1
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


def iter_records(analysis: Analysis) -> Iterator[tuple[int, list[object]]]:
    """Yield ``(source row number, projected raw values)`` for data rows only."""
    for number, kind, raw in _records(analysis.source, analysis.layout):
        if kind == "data":
            yield number, project(analysis.layout, raw)
