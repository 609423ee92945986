"""Checking, hashing and storing uploaded files.

The type of a file is decided by its extension *and* its content (magic bytes, the parts inside a ZIP):
an .exe renamed to .pdf is refused like an .exe. Files are kept content-addressed under
`documents/<sha[:2]>/<sha[2:]>` in Django's default storage (MEDIA_ROOT, i.e. KAIDAN_DATA_DIR/files);
the uploaded file name never becomes part of a path.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage

from kaidan.core import uploads
from kaidan.core.storage import content_name, save_once
from kaidan.core.uploads import human_size
from kaidan.values.messages import Message, gettext_noop

DEFAULT_MAX_UPLOAD_SIZE = 100 * 1024 * 1024
"""Override with the Django setting DOCUMENTS_MAX_UPLOAD_SIZE (bytes)."""

HEAD_SIZE = 8192

# extension -> (kind, content type)
TYPES: dict[str, tuple[str, str]] = {
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": ("xls", "application/vnd.ms-excel"),
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "txt": ("txt", "text/plain"),
    "csv": ("csv", "text/csv"),
}
ALLOWED_EXTENSIONS = sorted(TYPES)
IMAGE_KINDS = {"png", "jpeg", "gif", "webp"}


def max_upload_size() -> int:
    """The documents' own limit, never above the limit for every upload (KAIDAN_MAX_UPLOAD_MB)."""
    own = int(getattr(settings, "DOCUMENTS_MAX_UPLOAD_SIZE", DEFAULT_MAX_UPLOAD_SIZE))
    return min(own, uploads.max_upload_size())


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content_type: str
    sha256: str
    size: int
    filename: str


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most 255 characters (extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".") or "file"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 255 - len(ext) - 1] + "." + ext) if dot and len(ext) < 20 else name[:255]
    return name


def _extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def _refuse_type(ext: str) -> ValidationError:
    shown: Message | str = f".{ext}" if ext else Message(gettext_noop("no extension"))
    allowed = ", ".join(f".{e}" for e in ALLOWED_EXTENSIONS)
    return ValidationError(
        {
            "file": (
                Message(
                    gettext_noop("Files of this type (%(shown)s) cannot be uploaded. Allowed: %(allowed)s."),
                    shown=shown,
                    allowed=allowed,
                ).bilingual()
            )
        },
        code="file_type",
    )


def _mismatch(ext: str) -> ValidationError:
    return ValidationError(
        {
            "file": (
                Message(
                    gettext_noop(
                        "The file's content does not match its extension (.%(ext)s): it is damaged or of another type."
                    ),
                    ext=ext,
                ).bilingual()
            )
        },
        code="file_content",
    )


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(
        {
            "file": (
                Message(
                    gettext_noop("The file is too large (%(value)s); the limit is %(value2)s."),
                    value=human_size(size),
                    value2=human_size(limit),
                ).bilingual()
            )
        },
        code="file_size",
    )


def _empty() -> ValidationError:
    return ValidationError(
        {"file": Message(gettext_noop("The file is empty.")).bilingual()},
        code="file_empty",
    )


def _zip_names(handle: IO[bytes]) -> list[str]:
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        # UTF-16 text has NULs; accept it only with a BOM.
        return head.startswith((b"\xff\xfe", b"\xfe\xff"))
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= len(head) // 100


def _content_matches(kind: str, head: bytes, handle: IO[bytes]) -> bool:
    if kind == "pdf":
        return b"%PDF-" in head[:1024]
    if kind == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if kind == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if kind == "xls":
        return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if kind in ("docx", "xlsx"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(handle)
        return ("word/document.xml" if kind == "docx" else "xl/workbook.xml") in names
    if kind in ("txt", "csv"):
        return _looks_like_text(head)
    return False


def check_upload(upload: Any) -> CheckedFile:
    """Validate an uploaded file (size, type by extension and content) and hash it.

    Raises ValidationError({"file": "…日本語 / English"}) when refused.
    """
    filename = clean_filename(getattr(upload, "name", "") or "")
    ext = _extension(filename)
    if ext not in TYPES:
        raise _refuse_type(ext)
    kind, content_type = TYPES[ext]
    limit = max_upload_size()
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(int(declared), limit)
    digest = hashlib.sha256()
    size = 0
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < HEAD_SIZE:
            head += chunk[: HEAD_SIZE - len(head)]
        digest.update(chunk)
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
    if size == 0:
        raise _empty()
    if not _content_matches(kind, head, upload):
        raise _mismatch(ext)
    upload.seek(0)
    return CheckedFile(kind, content_type, digest.hexdigest(), size, filename)


def storage_name_for(sha256: str) -> str:
    return content_name("documents", sha256)


def store(upload: Any, checked: CheckedFile) -> str:
    """Keep the file content-addressed in the default storage (idempotent); return its storage name."""
    saved = save_once(storage_name_for(checked.sha256), upload)
    upload.seek(0)
    return saved


def delete_unless_held(name: str) -> bool:
    """Remove a stored file no document version holds (content-addressed files are shared by every holder
    of the same bytes; a caller with holders of its own checks those first). True when removed."""
    from kaidan.documents.models import DocumentVersion

    if DocumentVersion.objects.filter(storage_name=name).exists():
        return False
    default_storage.delete(name)
    return True


def open_stored(name: str) -> File:
    return default_storage.open(name, "rb")
