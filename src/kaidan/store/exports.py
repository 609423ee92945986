"""Writing rows out: CSV (UTF-8 with BOM for Excel, or Shift_JIS), XLSX, JSON and Parquet.

Callers pass only the fields the actor may see; nothing here decides access.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, BinaryIO

from kaidan.catalog.models import Field
from kaidan.core.formulas import defuse

from .values import to_json

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "csv-sjis": ("text/csv; charset=shift_jis", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
}
GETA = "〓"  # the customary mark for a character Shift_JIS cannot hold


def _geta(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    return GETA, error.end


codecs.register_error("kaidan-geta", _geta)


def csv_cell(value: Any) -> str:
    """One CSV cell: typed values in their canonical text, text defused (never read as a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return str(defuse(value))
    return str(to_json(value))


def write(fmt: str, fields: Sequence[Field], rows: Iterable[Sequence[Any]], out: BinaryIO) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt in ("csv", "csv-sjis"):
        _write_csv(fields, rows, out, "utf-8-sig" if fmt == "csv" else "cp932")
    elif fmt == "xlsx":
        _write_xlsx(fields, rows, out)
    elif fmt == "json":
        _write_json(fields, rows, out)
    else:
        _write_parquet(fields, rows, out)


def _write_csv(fields: Sequence[Field], rows: Iterable[Sequence[Any]], out: BinaryIO, encoding: str) -> None:
    text = io.TextIOWrapper(out, encoding=encoding, errors="kaidan-geta", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([csv_cell(f.label) for f in fields])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    text.flush()
    text.detach()


def _write_json(fields: Sequence[Field], rows: Iterable[Sequence[Any]], out: BinaryIO) -> None:
    out.write(b"[")
    for i, row in enumerate(rows):
        record = {f.name: to_json(v) for f, v in zip(fields, row, strict=True)}
        out.write((b",\n" if i else b"\n") + json.dumps(record, ensure_ascii=False).encode())
    out.write(b"\n]\n")


def _xlsx_value(sheet: Any, value: Any) -> Any:
    if isinstance(value, str):
        return _xlsx_text(sheet, value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date | time | bool | int | float | str) or value is None:
        return value
    return str(value)


def _xlsx_text(sheet: Any, value: str) -> Any:
    """A text cell written as a string (type "s"): openpyxl would store "=…" as a formula and "#N/A" as an
    error, so those get an explicit string cell; any other text openpyxl already writes as a string (an
    explicit cell for every text value would make text-heavy exports twice as slow)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    if not value.startswith("=") and value not in ERROR_CODES:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


XLSX_TIME = datetime(2000, 1, 1)  # noqa: DTZ001 — naive, as openpyxl wants; fixed document and zip-entry time: the same rows give the same bytes


class _StableZip(zipfile.ZipFile):
    """A zip whose entries all carry XLSX_TIME (openpyxl would stamp the current time)."""

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=XLSX_TIME.timetuple()[:6])
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(str(zinfo_or_arcname))
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        import os

        size = os.path.getsize(filename)
        with (
            open(filename, "rb") as src,
            self.open(self._info(str(arcname)), "w", force_zip64=size > 1 << 30) as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)


def _write_xlsx(fields: Sequence[Field], rows: Iterable[Sequence[Any]], out: BinaryIO) -> None:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = XLSX_TIME
    sheet = workbook.create_sheet("data")
    sheet.append([_xlsx_text(sheet, f.label) for f in fields])
    for row in rows:
        sheet.append([_xlsx_value(sheet, v) for v in row])
    ExcelWriter(workbook, _StableZip(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()


def _write_parquet(fields: Sequence[Field], rows: Iterable[Sequence[Any]], out: BinaryIO) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .arrow import arrow_type

    schema = pa.schema([pa.field(f.label, arrow_type(f.type)) for f in fields])
    writer = pq.ParquetWriter(out, schema)
    batch: list[Sequence[Any]] = []

    def flush() -> None:
        columns: list[Any] = list(zip(*batch, strict=True)) if batch else [[] for _ in fields]
        arrays = [
            pa.array([float(v) if isinstance(v, Decimal) else v for v in col], type=schema.field(i).type)
            for i, col in enumerate(columns)
        ]
        writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

    for row in rows:
        batch.append(row)
        if len(batch) >= 50_000:
            flush()
            batch = []
    if batch:
        flush()
    writer.close()
