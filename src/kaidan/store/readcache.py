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
(a number, 20 pairs, or the row ids a search found); the least recently used go first.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

MAX_ENTRIES = 2048

_lock = threading.Lock()
_entries: OrderedDict[bytes, tuple[Any, float | None]] = OrderedDict()
"""key → (answer, monotonic expiry or None)."""
_inflight: dict[bytes, threading.Lock] = {}
"""key → the lock of the reader computing it: others asking meanwhile wait for its answer (a facet over 1M
rows asked by 8 clients at once is computed once, not 8 times over on the same 2 cores)."""


def digest(*parts: Hashable | list[Any] | tuple[Any, ...]) -> bytes:
    """A fixed-size key for the parts (SQL, parameters, ids): their repr, hashed."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).digest()


def _fresh(key: bytes) -> tuple[bool, Any]:
    """(found, answer) under _lock."""
    hit = _entries.get(key)
    if hit is None:
        return False, None
    value, expiry = hit
    if expiry is not None and expiry <= time.monotonic():
        del _entries[key]
        return False, None
    _entries.move_to_end(key)
    return True, value


def get_or_compute(key: bytes, compute: Callable[[], T], *, ttl: float | None = None) -> T:
    """The cached answer of `key`, else `compute()`'s (kept `ttl` seconds, or until pushed out)."""
    with _lock:
        found, value = _fresh(key)
        if found:
            return value  # type: ignore[no-any-return]
        flight = _inflight.setdefault(key, threading.Lock())
    with flight:
        with _lock:
            found, value = _fresh(key)  # computed by the reader we waited for
        if found:
            return value  # type: ignore[no-any-return]
        try:
            value = compute()
            with _lock:
                _entries[key] = (value, None if ttl is None else time.monotonic() + ttl)
                _entries.move_to_end(key)
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
        finally:
            with _lock:
                _inflight.pop(key, None)
    return value  # type: ignore[no-any-return]


def clear() -> None:
    with _lock:
        _entries.clear()


def size() -> int:
    return len(_entries)
