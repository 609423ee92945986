"""Limits on what an import may ask of the server: rows, columns, the unpacked size of a spreadsheet, and
the nesting of a JSON file. Every refusal is a ``ReadError`` in Japanese and English (docs/import.md).

The numbers come from the settings (``KAIDAN_MAX_IMPORT_ROWS``, ``KAIDAN_MAX_IMPORT_COLUMNS``,
``KAIDAN_MAX_IMPORT_UNPACKED_MB``), read at call time so that tests and deployments can change them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings

from kaidan.values.messages import Message, gettext_noop

from .errors import ReadError

DEFAULT_MAX_ROWS = 2_000_000
DEFAULT_MAX_COLUMNS = 1000
DEFAULT_MAX_UNPACKED = 1024 * 1024 * 1024
MAX_JSON_DEPTH = 32
"""Tabular JSON needs two levels (an array of objects); nested values become JSON text in a cell."""
MAX_RATIO = 200
"""Spreadsheets written by Excel or LibreOffice pack their XML 5–30 times; 200 and more is a zip bomb."""
_RATIO_FROM = 1024 * 1024  # small parts may pack better than that without harm
_CHUNK = 1024 * 1024
_CHECKED: set[tuple[str, int, int, int]] = set()


def max_rows() -> int:
    return int(getattr(settings, "MAX_IMPORT_ROWS", DEFAULT_MAX_ROWS))


def max_columns() -> int:
    return int(getattr(settings, "MAX_IMPORT_COLUMNS", DEFAULT_MAX_COLUMNS))


def max_unpacked() -> int:
    return int(getattr(settings, "MAX_IMPORT_UNPACKED_SIZE", DEFAULT_MAX_UNPACKED))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


def too_many_rows(path: str | Path, row: int) -> ReadError:
    limit = max_rows()
    return ReadError(
        Message(
            gettext_noop("The file has more rows than the limit of %(limit)s; split it and import the parts"),
            limit=format(limit, ","),
        ),
        path,
        row=row,
    )


def check_columns(path: str | Path, count: int) -> None:
    limit = max_columns()
    if count > limit:
        raise ReadError(
            Message(
                gettext_noop(
                    "The file has %(count)s columns, more than the limit of %(limit)s; keep only the columns you need and import again"
                ),
                count=format(count, ","),
                limit=format(limit, ","),
            ),
            path,
        )


def check_packed_spreadsheet(path: str | Path) -> None:
    """Refuse an XLSX/ODS whose parts unpack to more than the limit or pack absurdly well (a zip bomb),
    before the spreadsheet library unpacks it into memory.

    The sizes in the zip directory are checked first; then every part is unpacked as a stream (never
    more than the declared sizes, each part's CRC checked), so that a directory that lies is caught too.
    """
    limit = max_unpacked()
    stat = Path(path).stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, limit)
    if key in _CHECKED:  # analysing reads the file several times; unpack it only once
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > limit:
                raise _too_big(path, total, limit)
            for member in members:
                packed = max(member.compress_size, 1)
                if member.file_size > _RATIO_FROM and member.file_size / packed > MAX_RATIO:
                    raise _bomb(path, member, member.file_size / packed)
            for member in members:
                with archive.open(member) as part:
                    while part.read(_CHUNK):
                        pass
        if len(_CHECKED) > 256:
            _CHECKED.clear()
        _CHECKED.add(key)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise ReadError(
            Message(gettext_noop("The spreadsheet file is damaged: %(exc)s"), exc=exc),
            path,
        ) from exc


def _too_big(path: str | Path, total: int, limit: int) -> ReadError:
    return ReadError(
        Message(
            gettext_noop(
                "The spreadsheet unpacks to %(value)s, more than the limit of %(value2)s; split it or save it as CSV"
            ),
            value=_mb(total),
            value2=_mb(limit),
        ),
        path,
    )


def _bomb(path: str | Path, member: Any, ratio: float) -> ReadError:
    return ReadError(
        Message(
            gettext_noop(
                "Part '%(filename)s' of the spreadsheet is packed %(ratio)s times and unpacks to %(value)s: not a normal spreadsheet (save it again from the spreadsheet program)"
            ),
            filename=member.filename,
            ratio=format(ratio, ",.0f"),
            value=_mb(member.file_size),
        ),
        path,
    )


def check_json_depth(path: str | Path, data: object) -> None:
    """Refuse JSON nested deeper than ``MAX_JSON_DEPTH`` (walked without recursion)."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise json_too_deep(path)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, dict | list))


def json_too_deep(path: str | Path) -> ReadError:
    return ReadError(
        Message(
            gettext_noop(
                "The JSON is nested too deeply (more than %(MAX_JSON_DEPTH)s levels); give an array of objects or an array of arrays"
            ),
            MAX_JSON_DEPTH=MAX_JSON_DEPTH,
        ),
        path,
    )
