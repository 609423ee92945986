"""Machine names for columns: what a header becomes in URLs, queries and the API."""

from __future__ import annotations

import re
import unicodedata


def machine_name(label: str) -> str:
    """A stable machine name from a header: NFKC, lower-case ASCII, spaces to underscores."""
    name = unicodedata.normalize("NFKC", label).strip()
    name = re.sub(r"[\s\u3000]+", "_", name)
    name = re.sub(r"[\"'`;,()\[\]{}]", "", name)
    return name.lower()[:100] or "column"
