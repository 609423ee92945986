"""The one upload size limit (``KAIDAN_MAX_UPLOAD_MB``) and messages about uploads that never show a
server path: the person uploading sees the name of their own file, nothing of the server's disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kaidan.values.messages import Message, gettext_noop

DEFAULT_MAX_UPLOAD_SIZE = 200 * 1024 * 1024
SLACK = 1024 * 1024  # the form fields and multipart headers around the file


def max_upload_size() -> int:
    return int(getattr(settings, "MAX_UPLOAD_SIZE", DEFAULT_MAX_UPLOAD_SIZE))


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def too_large_message(limit: int) -> str:
    shown = human_size(limit)
    return Message(gettext_noop("The file is too large; the limit is %(shown)s."), shown=shown).bilingual()


def request_too_large(request: HttpRequest, limit: int) -> bool:
    """A request body far above ``limit``, refused from its Content-Length before it is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit + SLACK


def without_paths(message: str, original_name: str, *paths: str | Path | None) -> str:
    """``message`` with each server path in ``paths`` (and its folder) replaced by the uploaded name."""
    for path in paths:
        if not path:
            continue
        full = str(path)
        message = message.replace(full, original_name)
        folder = str(Path(full).parent)
        if len(folder) > 1:
            message = message.replace(folder, "…")
    return message


def read_error_message(exc: Any, original_name: str, *paths: str | Path | None) -> str:
    """A ``ReadError``-like error (``message_ja``, ``message_en``, ``row``, ``column``) as the uploader
    should read it: Japanese / English, then the uploaded file's name and the place in it."""
    where = [original_name]
    if getattr(exc, "row", None) is not None:
        where.append(f"{exc.row}行目 row {exc.row}")
    if getattr(exc, "column", None) is not None:
        where.append(f"列 column {exc.column}")
    if hasattr(exc, "message_ja") and hasattr(exc, "message_en"):
        text = f"{exc.message_ja} / {exc.message_en} [{', '.join(where)}]"
    else:
        text = f"{exc} [{original_name}]"
    return without_paths(text, original_name, *paths)
