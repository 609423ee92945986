"""A small in-process cache of aggregate answers over visible relations: row counts and facet counts.

A facet is a GROUP BY over every matching row (a million index entries for an unfiltered 1M-row dataset) and a
filtered total a COUNT over every match; both are asked for again by every page of the same grid. Their answer
depends only on
- the dataset and its revision (every write to a master table makes a new revision, so a new revision is a
  new key and nothing needs invalidating; the revision is read from the database with the dataset, so other
  processes' writes are seen),
- what the reader may see: the relation's fingerprint (purpose, revision read, the visible fields by id and
  classification, and the row scope compiled to SQL with its parameters, which holds the viewer's
  organization for `viewer_org` scopes),
- and the question (the extra condition with its parameters, the column counted).

So two readers share an answer only when the same rows and columns are visible to both: one actor's cached
count never reaches another with different rights (tests/store/test_readcache.py). Entries are few and small
(a number, or 20 pairs); the least recently used go first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

MAX_ENTRIES = 2048

_lock = threading.Lock()
_entries: OrderedDict[bytes, Any] = OrderedDict()


def digest(*parts: Hashable | list[Any] | tuple[Any, ...]) -> bytes:
    """A fixed-size key for the parts (SQL, parameters, ids): their repr, hashed."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).digest()


def get_or_compute(key: bytes, compute: Callable[[], T]) -> T:
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]  # type: ignore[no-any-return]
    value = compute()  # outside the lock: two readers may compute the same answer once each
    with _lock:
        _entries[key] = value
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()


def size() -> int:
    return len(_entries)
