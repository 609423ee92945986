"""Content-addressed files in Django's default storage (local MEDIA_ROOT, or S3 via django-storages).

Import sources and documents are both kept under `<prefix>/<sha256[:2]>/<sha256[2:]>`: the same content is
stored once, and a user's file name never becomes part of a path.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import default_storage


def content_name(prefix: str, sha256: str) -> str:
    return f"{prefix}/{sha256[:2]}/{sha256[2:]}"


def save_once(name: str, content: IO[Any]) -> str:
    """Store `content` under `name` unless it is already there (idempotent); return the stored name."""
    if default_storage.exists(name):
        return name
    content.seek(0)
    # Wrapped in File so the storage copies an upload instead of moving its temporary file away.
    return default_storage.save(name, File(content, name=name))
