"""Small HTTP helpers shared by the apps."""

from __future__ import annotations

from urllib.parse import quote


def attachment_header(filename: str) -> str:
    """`Content-Disposition: attachment` with an ASCII fallback name and the RFC 5987 UTF-8 name, so that
    Japanese file names survive in every browser."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
