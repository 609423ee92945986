"""Streamed downloads of a published dataset: CSV (three encodings), JSON, GeoJSON, XLSX and Parquet.

Every format is a generator of byte chunks over the anonymous visitor's visible relation
(kaidan.catalog.selectors.iter_visible_rows, keyset pages of kaidan.store), so the first bytes leave as soon as
the first page of rows is read and memory stays bounded whatever the row count: a 1,000,000-row CSV starts at
once (bench/download_bench.py). The staff export (kaidan.store.exports) writes to a file first; these writers
are its streaming twins and keep its conventions: the header is the columns' labels, text is defused against
spreadsheet formulas, booleans are TRUE/FALSE, and a character Shift_JIS cannot hold becomes 〓 (geta, the
customary mark), which the download page says before anyone chooses that encoding.

XLSX is written by hand (one sheet, inline strings, dates with Excel's date styles) straight into a zip
stream, because openpyxl assembles its archive only at the end.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.query import GridQuery
from kaidan.catalog.selectors import iter_visible_rows
from kaidan.store.exports import csv_cell
from kaidan.store.values import to_json
from kaidan.values.messages import Message, ValueProblem, gettext_noop

from .packages import coordinate_fields

CHUNK = 64 * 1024
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet holds 1,048,576 rows, one of them the header


@dataclass(frozen=True)
class Format:
    key: str
    content_type: str
    extension: str


FORMATS = {
    f.key: f
    for f in (
        Format("csv", "text/csv; charset=utf-8", "csv"),  # UTF-8 with BOM: Excel opens it right
        Format("csv-utf8", "text/csv; charset=utf-8", "csv"),
        Format("csv-sjis", "text/csv; charset=shift_jis", "csv"),
        Format("json", "application/json", "json"),
        Format("geojson", "application/geo+json", "geojson"),
        Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        Format("parquet", "application/vnd.apache.parquet", "parquet"),
    )
}


class DownloadRefused(ValueProblem):
    """The download cannot be made as asked (unknown format or revision, too many rows for XLSX);
    `str()` is the reason in Japanese and English."""


def filename(dataset: Dataset, fmt: str, revision: int | None) -> str:
    suffix = f"-r{revision}" if revision else ""
    return f"{dataset.name}{suffix}.{FORMATS[fmt].extension}"


def check(dataset: Dataset, fmt: str, revision: int | None) -> None:
    """Refuse before the first byte what cannot be served (the answer is a 400 with the reason)."""
    if fmt not in FORMATS:
        raise DownloadRefused(
            Message(
                gettext_noop("unknown format '%(format)s' (use one of %(choices)s)"),
                format=fmt[:20],
                choices=", ".join(FORMATS),
            )
        )
    if revision is not None and not 1 <= revision <= dataset.current_revision:
        raise DownloadRefused(
            Message(
                gettext_noop("no revision %(revision)s (1 to %(latest)s)"),
                revision=revision,
                latest=dataset.current_revision,
            )
        )
    if fmt == "xlsx" and dataset.row_count > XLSX_MAX_ROWS:
        raise DownloadRefused(
            Message(
                gettext_noop("too many rows for an Excel sheet (%(rows)s): use CSV or Parquet"),
                rows=dataset.row_count,
            )
        )
    if fmt == "geojson" and coordinate_fields(_visible(dataset)) is None:
        raise DownloadRefused(Message(gettext_noop("the dataset has no latitude and longitude columns")))


def _visible(dataset: Dataset) -> list[Field]:
    from kaidan.store.relation import compile_relation

    return compile_relation(dataset, actor=None).visible


def stream(
    dataset: Dataset, fmt: str, *, revision: int | None = None, query: GridQuery | None = None
) -> Iterator[bytes]:
    """The download's bytes, chunk by chunk, as the anonymous visitor may see the dataset."""
    check(dataset, fmt, revision)
    view = iter_visible_rows(dataset, actor=None, as_of=revision, purpose="download", query=query)
    writer = WRITERS[fmt]
    return writer(view.fields, view.rows)


def _chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Join small pieces into chunks of about CHUNK bytes (fewer, larger writes to the socket)."""
    buffer: list[bytes] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def _csv(encoding: str, errors: str = "strict") -> Any:
    def write(fields: Sequence[Field], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([csv_cell(f.label) for f in fields])
        yield text.getvalue().encode(encoding, errors)
        text.seek(0)
        text.truncate()
        for n, row in enumerate(rows, 1):
            writer.writerow([csv_cell(v) for v in row])
            if n % 1000 == 0:
                yield text.getvalue().encode(_body(encoding), errors)
                text.seek(0)
                text.truncate()
        yield text.getvalue().encode(_body(encoding), errors)

    return lambda fields, rows: _chunked(write(fields, rows))


def _body(encoding: str) -> str:
    """The BOM goes once, with the header: the body is plain UTF-8."""
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _json(fields: Sequence[Field], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    def pieces() -> Iterator[bytes]:
        yield b"["
        for i, row in enumerate(rows):
            record = {f.name: to_json(v) for f, v in zip(fields, row, strict=True)}
            yield (b",\n" if i else b"\n") + json.dumps(record, ensure_ascii=False).encode()
        yield b"\n]\n"

    return _chunked(pieces())


def _geojson(fields: Sequence[Field], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    pair = coordinate_fields(list(fields))

    def number(value: Any) -> float | None:
        try:
            return float(value) if value is not None and str(value).strip() else None
        except (TypeError, ValueError):
            return None

    def pieces() -> Iterator[bytes]:
        yield b'{"type":"FeatureCollection","features":['
        if pair is not None:
            lat, lon = (list(fields).index(f) for f in pair)
            first = True
            for row in rows:
                y, x = number(row[lat]), number(row[lon])
                if x is None or y is None:
                    continue
                properties = {
                    f.label: (float(v) if isinstance(v, Decimal) else to_json(v))
                    for i, (f, v) in enumerate(zip(fields, row, strict=True))
                    if i not in (lat, lon)
                }
                feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]}}
                feature["properties"] = properties
                yield (b"" if first else b",\n") + json.dumps(feature, ensure_ascii=False).encode()
                first = False
        yield b"]}\n"

    return _chunked(pieces())


class _Drain(io.RawIOBase):
    """A write-only sink whose bytes are taken out after each write burst (zipfile, pyarrow write here)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts = []
        return out


PARQUET_BATCH = 10_000  # rows per row group: the first bytes leave after 10,000 rows, memory stays small


def _parquet(fields: Sequence[Field], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kaidan.store.arrow import arrow_type

    schema = pa.schema([pa.field(f.label, arrow_type(f.type)) for f in fields])
    sink = _Drain()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)

    def flush(batch: list[Sequence[Any]]) -> None:
        columns: list[Any] = list(zip(*batch, strict=True)) if batch else [[] for _ in fields]
        arrays = [
            pa.array([float(v) if isinstance(v, Decimal) else v for v in col], type=schema.field(i).type)
            for i, col in enumerate(columns)
        ]
        writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= PARQUET_BATCH:
            flush(batch)
            batch = []
            yield sink.take()
    if batch or not sink.parts:
        flush(batch)
    writer.close()
    yield sink.take()


# --- XLSX, streamed -------------------------------------------------------------------------------------

_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    # cell styles: 0 general, 1 date (yyyy-mm-dd), 2 date and time, 3 time
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/>'
        '<numFmt numFmtId="166" formatCode="hh:mm:ss"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 — Excel's serial dates are naive
_XML_UNSAFE = {c: None for c in range(32) if c not in (9, 10, 13)}


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f"<c><v>{to_json(value)}</v></c>"
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None)
        return f'<c s="2"><v>{(naive - _EPOCH).total_seconds() / 86400:.10g}</v></c>'
    if isinstance(value, date):
        return f'<c s="1"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'<c s="3"><v>{seconds / 86400:.10g}</v></c>'
    text = escape(str(value).translate(_XML_UNSAFE))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _xlsx(fields: Sequence[Field], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    sink = _Drain()
    stamp = (2000, 1, 1, 0, 0, 0)  # fixed entry times: the same rows give the same bytes
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name, body in _XLSX_STATIC.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
        yield sink.take()
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            header = "".join(_xlsx_cell(f.label) for f in fields)
            sheet.write(f"<row>{header}</row>".encode())
            lines: list[str] = []
            for n, row in enumerate(rows, 1):
                if n > XLSX_MAX_ROWS:
                    break
                lines.append("<row>" + "".join(_xlsx_cell(v) for v in row) + "</row>")
                if n % 2000 == 0:
                    sheet.write("".join(lines).encode())
                    lines = []
                    yield sink.take()
            sheet.write("".join(lines).encode() + b"</sheetData></worksheet>")
    yield sink.take()


WRITERS: dict[str, Any] = {
    "csv": _csv("utf-8-sig"),
    "csv-utf8": _csv("utf-8"),
    "csv-sjis": _csv("cp932", "kaidan-geta"),
    "json": _json,
    "geojson": _geojson,
    "xlsx": _xlsx,
    "parquet": _parquet,
}
