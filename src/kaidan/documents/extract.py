"""Text extraction for search: Word (paragraphs and table cells), PDF, Excel (every sheet), text and CSV.

Extraction never raises: a damaged or unreadable file gives an empty text and a note saying why.
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from kaidan.values.messages import Message, gettext_noop

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2_000_000
"""Longer texts are cut (and the note says so)."""

DEFAULT_MAX_UNPACKED = 1024 * 1024 * 1024
"""Office files that unpack to more than this are not read (zip bombs); DOCUMENTS_MAX_UNPACKED_SIZE."""


@dataclass(frozen=True)
class Extracted:
    text: str
    note: str = ""


def extract_text(kind: str, handle: IO[bytes]) -> Extracted:
    """The text of a file of the given kind (see files.TYPES), or empty text and a note."""
    extractor = EXTRACTORS.get(kind)
    if extractor is None:
        return Extracted("", "")
    try:
        handle.seek(0)
        if kind in ("docx", "xlsx") and _unpacked_size(handle) > _max_unpacked():
            return Extracted("", Message(gettext_noop("too large when unpacked")).bilingual())
        handle.seek(0)
        text = extractor(handle)
    except Exception as exc:  # a broken upload must never break the upload itself
        logger.warning("text extraction failed for a %s file: %s", kind, exc)
        return Extracted(
            "",
            Message(
                gettext_noop("text could not be extracted: %(name)s"), name=type(exc).__name__
            ).bilingual(),
        )
    finally:
        try:
            handle.seek(0)
        except (OSError, ValueError):
            pass
    text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL
    if kind == "pdf" and not text.strip():
        return Extracted("", Message(gettext_noop("the PDF has no text layer (scanned?)")).bilingual())
    if len(text) > MAX_TEXT_CHARS:
        return Extracted(
            text[:MAX_TEXT_CHARS],
            Message(
                gettext_noop("only the first %(count)s characters of the text"), count=f"{MAX_TEXT_CHARS:,}"
            ).bilingual(),
        )
    return Extracted(text)


def _max_unpacked() -> int:
    return int(getattr(settings, "DOCUMENTS_MAX_UNPACKED_SIZE", DEFAULT_MAX_UNPACKED))


def _unpacked_size(handle: IO[bytes]) -> int:
    with zipfile.ZipFile(handle) as archive:
        return sum(info.file_size for info in archive.infolist())


def _docx(handle: IO[bytes]) -> str:
    import docx
    from docx.table import Table

    document = docx.Document(handle)
    lines: list[str] = []

    def table_lines(table: Table) -> Iterator[str]:
        for row in table.rows:
            cells: list[str] = []
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell repeats; keep it once
                    continue
                seen.add(id(cell._tc))
                cells.append(cell.text.strip())
                for inner in cell.tables:
                    yield from table_lines(inner)
            if any(cells):
                yield "\t".join(cells)

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(table_lines(block))
        elif block.text.strip():
            lines.append(block.text)
    return "\n".join(lines)


def _pdf(handle: IO[bytes]) -> str:
    from pypdf import PdfReader

    reader = PdfReader(handle)
    if reader.is_encrypted:
        reader.decrypt("")
    pages: list[str] = []
    total = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        pages.append(text.strip())
        total += len(text)
        if total > MAX_TEXT_CHARS:
            break
    return "\n\n".join(p for p in pages if p)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).replace("\t", " ").replace("\r\n", " ").replace("\n", " ")


def _spreadsheet(handle: IO[bytes]) -> str:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(handle)
    parts: list[str] = []
    total = 0
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        lines = [f"# {name}"]
        for row in sheet.iter_rows():
            cells = [_cell(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                line = "\t".join(cells)
                lines.append(line)
                total += len(line)
            if total > MAX_TEXT_CHARS:
                break
        parts.append("\n".join(lines))
        if total > MAX_TEXT_CHARS:
            break
    return "\n\n".join(parts)


def decode_text(data: bytes) -> str:
    """Decode text of unknown encoding: BOMs, then UTF-8, then Japanese code pages, then detection."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return data[: exc.start].decode("utf-8")
    candidates = [enc for enc in ("cp932", "euc_jp") if _decodes(data, enc)]
    if len(candidates) == 1:
        return data.decode(candidates[0])
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 2 * 1024 * 1024], cp_isolation=candidates or None).best()
    encoding = best.encoding if best is not None else (candidates[0] if candidates else "utf-8")
    return data.decode(encoding, errors="replace")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _text(handle: IO[bytes]) -> str:
    data = handle.read(MAX_TEXT_CHARS * 4)
    return decode_text(data)


EXTRACTORS: dict[str, Callable[[IO[bytes]], str]] = {
    "docx": _docx,
    "pdf": _pdf,
    "xlsx": _spreadsheet,
    "xls": _spreadsheet,
    "txt": _text,
    "csv": _text,
}
