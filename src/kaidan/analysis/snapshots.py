"""Arrow snapshots of visible relations, cached per view and revision.

A snapshot is what one view of one dataset holds at one revision: the visible columns (by their current
classification) and the rows of the row scope. Its key is the relation's fingerprint
(`VisibleRelation.fingerprint`, also the key of kaidan.store.readcache: the dataset, the revision read, the
visible fields with their classification, the row scope's compiled SQL with its parameters), so two actors
with the same view share a snapshot and two different views never do. A write makes a new revision, hence a new key: a cached snapshot is never stale, only unused, and the
least recently used ones are dropped beyond `KAIDAN_ANALYSIS_CACHE_MB` (per process; 0 turns caching off).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import pyarrow as pa
from django.conf import settings

from kaidan.store.relation import VisibleRelation

_lock = threading.Lock()
_cache: OrderedDict[Hashable, pa.Table] = OrderedDict()
_bytes = 0


def key(rel: VisibleRelation) -> Hashable:
    """The relation's fingerprint (the one readcache keys by) and the column names the snapshot uses."""
    return (rel.fingerprint(), tuple(f.name for f in rel.visible))


def _limit() -> int:
    return int(getattr(settings, "ANALYSIS_CACHE_MB", 256)) * 1024 * 1024


def cached(rel: VisibleRelation, build: Callable[[VisibleRelation], pa.Table]) -> pa.Table:
    """The relation's snapshot, built once per view and revision (then served from memory)."""
    global _bytes
    limit = _limit()
    k = key(rel)
    with _lock:
        table = _cache.get(k)
        if table is not None:
            _cache.move_to_end(k)
            return table
    table = build(rel)
    if limit <= 0 or table.nbytes > limit:
        return table
    with _lock:
        if k not in _cache:
            _cache[k] = table
            _bytes += table.nbytes
        while _bytes > limit and _cache:
            _old, dropped = _cache.popitem(last=False)
            _bytes -= dropped.nbytes
    return table


def clear() -> None:
    global _bytes
    with _lock:
        _cache.clear()
        _bytes = 0
