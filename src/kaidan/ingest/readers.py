"""Streaming readers that turn CSV/TSV/Excel/ODS/JSON files into raw rows.

Rows are yielded one at a time so that a file with a million rows is read in
bounded memory (JSON is the exception: the standard library parses it whole).
Cells are left raw: strings for text files; str/int/float/bool/date/datetime/
time/timedelta for spreadsheets (empty cells as ``""``), so that later stages
can see what the spreadsheet itself typed.
"""

from __future__ import annotations

import codecs
import csv
import fcntl
import json
import os
import sys
import tempfile
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from kaidan.values.messages import Message, MessageList, gettext_noop

from . import limits
from .encoding import detect_encoding
from .errors import ReadError

FORMATS = ("csv", "tsv", "xlsx", "xls", "ods", "json")
SPREADSHEET_FORMATS = ("xlsx", "xls", "ods")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".ods": "ods",
    ".json": "json",
}

THREADS = True
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long multi-value cells


@dataclass(frozen=True)
class Source:
    """What to read: a file, its format and (for text) encoding or (for
    spreadsheets) the sheet.  ``encoding``/``sheet`` of ``None`` mean
    "detect" / "first sheet"."""

    path: Path
    format: str
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str | None = None


def _sniff_delimiter(text: str) -> str:
    """Tab when the first lines contain more tabs than commas, else comma."""
    lines = text.splitlines()[:20]
    tabs = sum(line.count("\t") for line in lines)
    commas = sum(line.count(",") for line in lines)
    return "\t" if tabs > commas else ","


def sniff_format(path: str | Path) -> str:
    """Guess the format from the extension, confirmed or overridden by content.

    Content wins because portals often serve files under the wrong name
    (an ``.xls`` that is really xlsx, a ``.csv`` that is tab-separated).
    """
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "ods" if b"opendocument" in head[:200] else "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if by_ext == "json" or (by_ext is None and stripped[:1] in (b"[", b"{")):
        return "json"
    if by_ext in ("csv", "tsv", None):
        text = head.decode("latin-1")
        return "tsv" if _sniff_delimiter(text) == "\t" else "csv"
    return by_ext


def _open_workbook(path: str | Path) -> CalamineWorkbook:
    """The workbook, once its zip (XLSX, ODS) is known not to unpack beyond the limits."""
    with open(path, "rb") as handle:
        packed = handle.read(4) == b"PK\x03\x04"
    if packed:
        limits.check_packed_spreadsheet(path)
    return CalamineWorkbook.from_path(str(path))


def list_sheets(path: str | Path) -> list[str]:
    """Sheet names of a spreadsheet, in workbook order."""
    try:
        return list(_open_workbook(path).sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        raise ReadError(
            Message(gettext_noop("Cannot open the spreadsheet: %(exc)s"), exc=exc),
            path,
        ) from exc


def _decoded_lines(path: Path, encoding: str) -> Iterator[str]:
    """Decode a text file line by line, reporting the line of any bad bytes.

    Splitting the raw bytes on ``\\n`` is safe for UTF-8, CP932 and EUC-JP
    (``\\n`` never occurs inside their multibyte characters).  Line endings are
    kept so that ``csv`` sees quoted newlines exactly (like ``newline=''``).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield decoder.decode(raw)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.end + 1].hex(" ")
                raise ReadError(
                    Message(
                        gettext_noop(
                            "Line %(number)s contains bytes that are not valid %(encoding)s: %(bad)s"
                        ),
                        number=number,
                        encoding=encoding,
                        bad=bad,
                    ),
                    path,
                    row=number,
                    value=bad,
                ) from exc
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _undecodable(path, encoding, exc) from exc
        if tail:
            yield tail


def _undecodable(path: Path, encoding: str, exc: UnicodeDecodeError) -> ReadError:
    """Bad bytes found outside a line we can point at (UTF-16, or a character cut off at the end)."""
    return ReadError(
        Message(
            gettext_noop("The file contains bytes that are not valid %(encoding)s (at byte %(position)s)"),
            encoding=encoding,
            position=exc.start,
        ),
        path,
    )


def _text_lines(path: Path, encoding: str) -> Iterator[str]:
    """Lines decoded in big blocks by the io module (fast); on bad bytes, the line-by-line decoder
    runs again to report the line exactly as ``_decoded_lines`` does."""
    try:
        with open(path, encoding=encoding, errors="strict", newline="") as handle:
            yield from handle
    except UnicodeDecodeError as exc:
        for _line in _decoded_lines(path, encoding):
            pass
        raise _undecodable(path, encoding, exc) from exc


def _iter_text(source: Source) -> Iterator[tuple[int, list[object]]]:
    encoding = source.encoding or detect_encoding(source.path)
    delimiter = source.delimiter or ("\t" if source.format == "tsv" else ",")
    if codecs.lookup(encoding).name.startswith("utf-16"):
        handle = open(source.path, encoding=encoding, newline="")  # noqa: SIM115
        lines: Iterator[str] = iter(handle)
    else:
        lines = _text_lines(source.path, encoding)
    try:
        reader = csv.reader(lines, delimiter=delimiter)
        for number, row in enumerate(reader, start=1):
            yield number, list(row)
    except UnicodeDecodeError as exc:  # UTF-16, decoded by the io module
        raise _undecodable(source.path, encoding, exc) from exc
    except csv.Error as exc:
        raise ReadError(
            Message(gettext_noop("Cannot parse the CSV: %(exc)s"), exc=exc),
            source.path,
        ) from exc


def _iter_spreadsheet(source: Source) -> Iterator[tuple[int, list[object]]]:
    try:
        workbook = _open_workbook(source.path)
    except (CalamineError, OSError, ValueError) as exc:
        raise ReadError(
            Message(gettext_noop("Cannot open the spreadsheet: %(exc)s"), exc=exc),
            source.path,
        ) from exc
    names = list(workbook.sheet_names)
    name = source.sheet if source.sheet is not None else (names[0] if names else None)
    if name is None or name not in names:
        raise ReadError(
            Message(
                gettext_noop("Sheet '%(name)s' not found (sheets: %(sheets)s)"),
                name=name,
                sheets=MessageList(names),
            ),
            source.path,
            value=name,
        )
    sheet = workbook.get_sheet_by_name(name)
    start = sheet.start or (0, 0)
    first_row, first_col = start[0], start[1]
    if first_row + sheet.height > limits.max_rows():
        raise limits.too_many_rows(source.path, first_row + sheet.height)
    pad: list[object] = [""] * first_col
    # calamine drops leading empty rows/columns; put them back so that row and
    # column numbers match what the user sees in Excel.
    for offset, row in enumerate(sheet.iter_rows()):
        yield first_row + offset + 1, [*pad, *row]


def _iter_json(source: Source) -> Iterator[tuple[int, list[object]]]:
    try:
        with open(source.path, "rb") as handle:
            data = json.loads(handle.read().decode(source.encoding or "utf-8-sig"))
    except RecursionError as exc:
        raise limits.json_too_deep(source.path) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReadError(
            Message(gettext_noop("Cannot read the file as JSON: %(exc)s"), exc=exc),
            source.path,
        ) from exc
    if not isinstance(data, list):
        raise ReadError(
            Message(
                gettext_noop(
                    "The top level of the JSON is not an array (expected an array of objects or arrays)"
                )
            ),
            source.path,
        )
    limits.check_json_depth(source.path, data)

    def cell(value: object) -> object:
        if value is None:
            return ""
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value

    if data and all(isinstance(item, dict) for item in data):
        keys: dict[str, None] = {}
        for item in data:
            keys.update(dict.fromkeys(str(k) for k in item))
        yield 1, list(keys)
        for number, item in enumerate(data, start=2):
            values = {str(k): v for k, v in item.items()}
            yield number, [cell(values.get(key)) for key in keys]
        return
    for number, item in enumerate(data, start=1):
        if not isinstance(item, list):
            raise ReadError(
                Message(
                    gettext_noop("Element %(number)s of the JSON array is neither an array nor an object"),
                    number=number,
                ),
                source.path,
                row=number,
            )
        yield number, [cell(v) for v in item]


def iter_numbered_rows(source: Source) -> Iterator[tuple[int, list[object]]]:
    """Yield ``(row_number, cells)``; row numbers are 1-based as a spreadsheet
    user counts them (a CSV record with quoted newlines counts as one row, as
    it does when Excel opens the file)."""
    if not source.path.exists():
        raise ReadError(Message(gettext_noop("File not found")), source.path)
    if source.format in ("csv", "tsv"):
        return _capped(source, _iter_text(source))
    if source.format in SPREADSHEET_FORMATS:
        return _capped(source, _iter_spreadsheet(source))
    if source.format == "json":
        return _capped(source, _iter_json(source))
    raise ReadError(
        Message(gettext_noop("Unsupported format: %(format)s"), format=source.format),
        source.path,
    )


def _capped(source: Source, rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
    """Stop with a ``ReadError`` past ``KAIDAN_MAX_IMPORT_ROWS`` rows (row numbers as the user counts)."""
    limit = limits.max_rows()
    for number, row in rows:
        if number > limit:
            raise limits.too_many_rows(source.path, number)
        yield number, row


def iter_rows(source: Source) -> Iterator[list[object]]:
    """Yield the raw rows (lists of cells) of ``source``, streaming."""
    for _number, row in iter_numbered_rows(source):
        yield row


class NotRectangular(Exception):
    """The file does not suit the Arrow reader (a row of another width, bad bytes …): read it row by row."""


def arrow_encoding(source: Source) -> str | None:
    """The encoding to hand to ``pyarrow.csv``, or ``None`` when the Arrow reader must not be used.

    UTF-8 is parsed natively (Arrow skips a BOM, so a file starting with one needs ``utf-8-sig``); other
    encodings go through Python's own codec, in big blocks, so the text is exactly what ``csv`` sees."""
    if source.format not in ("csv", "tsv") or source.encoding is None:
        return None
    name = codecs.lookup(source.encoding).name
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return None
    with open(source.path, "rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
    if name == "utf-8":
        return None if bom else "utf8"
    if name == "utf-8-sig":
        return "utf8"
    return name


COPY_PREFIX = "kaidan-utf8-"
_ORPHAN_AGE = 60  # seconds: a copy younger than this may still be taking its lock


class Utf8Copy:
    """A UTF-8 copy of a text file written in another encoding (a temporary file, removed when this object
    is collected, by ``remove``, or when the process exits). The copy is locked (``flock``) while it is in
    use, so that the copy of a killed process is removed by the next ``utf8_copy`` of any process."""

    def __init__(self, path: Path, lock: int) -> None:
        self.path = path
        self._remove = weakref.finalize(self, _release, str(path), lock)

    def remove(self) -> None:
        self._remove()


def _release(path: str, lock: int) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.close(lock)


def _remove_orphan_copies() -> None:
    """Remove the copies left by processes that were killed (their lock is free)."""
    folder = tempfile.gettempdir()
    now = time.time()
    try:
        names = [n for n in os.listdir(folder) if n.startswith(COPY_PREFIX) and n.endswith(".csv")]
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            if now - os.stat(path).st_mtime < _ORPHAN_AGE:
                continue
            handle = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(path)
        except OSError:
            pass  # held by a live analysis, or gone already
        finally:
            os.close(handle)


def utf8_copy(source: Source, block_size: int = 1 << 22) -> Utf8Copy | None:
    """The file transcoded to UTF-8 once, so that the analysis and the import both parse UTF-8 natively
    instead of decoding the file twice; ``None`` when Arrow reads the file as it is, or when it does not
    decode (the Arrow reader then meets the same error itself and gives the file to the row reader).

    The text is exactly what Python's codec gives (the same incremental decoder ``pyarrow.csv`` is handed
    otherwise), decoded in blocks of ``block_size`` bytes."""
    encoding = arrow_encoding(source)
    if encoding is None or encoding == "utf8":
        return None
    _remove_orphan_copies()
    handle, name = tempfile.mkstemp(prefix=COPY_PREFIX, suffix=".csv")
    lock = os.dup(handle)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    copy = Utf8Copy(Path(name), lock)
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        with open(source.path, "rb") as raw, os.fdopen(handle, "wb") as out:
            while block := raw.read(block_size):
                out.write(decoder.decode(block).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except (UnicodeError, OSError):
        copy.remove()
        return None
    return copy


def arrow_batches(
    source: Source,
    skip_lines: int,
    width: int,
    block_size: int = 1 << 20,
    rows: int = 20_000,
    utf8: Utf8Copy | None = None,
) -> Iterator[Any]:
    """Record batches of all-string columns ``f0 …`` from line ``skip_lines`` on (``pyarrow.csv``, streaming).

    Blocks are small (Arrow reads ahead of a slow consumer, so the block size bounds memory) and are joined
    into batches of about ``rows`` rows (the per-batch work of the importer is then paid rarely).
    Every record must have ``width`` cells (an empty line gives ``width`` empty cells, which is what a
    blank row is to ``classify_row`` too); anything else raises ``NotRectangular``.
    With ``utf8`` (the file's ``utf8_copy``) that copy is read instead, natively."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    encoding = "utf8" if utf8 is not None else arrow_encoding(source)
    if encoding is None:
        raise NotRectangular("encoding")
    delimiter = source.delimiter or ("\t" if source.format == "tsv" else ",")
    try:
        reader = pcsv.open_csv(
            str(utf8.path) if utf8 is not None else source.path,
            read_options=pcsv.ReadOptions(
                encoding=encoding,
                skip_rows=skip_lines,
                autogenerate_column_names=True,
                block_size=block_size,
                use_threads=THREADS,
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)}, strings_can_be_null=False
            ),
        )
        group: list[pa.RecordBatch] = []
        count = 0
        for batch in reader:
            if batch.num_columns != width or any(column.null_count for column in batch.columns):
                raise NotRectangular("width")
            group.append(batch)
            count += batch.num_rows
            if count >= rows:
                yield _joined(group)
                group, count = [], 0
        if group:
            yield _joined(group)
    except (pa.ArrowException, UnicodeError, LookupError) as exc:
        raise NotRectangular(str(exc)) from exc


def _joined(batches: list[Any]) -> Any:
    import pyarrow as pa

    if len(batches) == 1:
        return batches[0]
    joined = pa.Table.from_batches(batches).combine_chunks().to_batches()
    return joined[0] if len(joined) == 1 else batches[0]
