"""`datastore_search` as CKAN's DataStore answers it, over the anonymous visitor's visible relation.

Filtering, sorting and paging run in SQL through kaidan.store.relation (the one gate): only the columns and
rows an anonymous visitor may see exist here, whatever the request names.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import connection

from kaidan.catalog.models import Field, FieldType
from kaidan.catalog.query import Filter, QueryError, filter_sql
from kaidan.store import selectors as store
from kaidan.store.plainread import dataset_stamp
from kaidan.store.relation import VisibleRelation, compile_relation
from kaidan.store.values import reader, to_json

DEFAULT_LIMIT = 100
MAX_LIMIT = 32000  # CKAN's ckan.datastore.search.rows_max default

CKAN_TYPES = {
    "integer": "int",
    "decimal": "numeric",
    "latitude": "numeric",
    "longitude": "numeric",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "boolean": "bool",
}


class DatastoreError(ValueError):
    """A request CKAN would answer with a Validation Error (409); `errors` maps parameters to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(json.dumps(errors, ensure_ascii=False))


_AS_READ = frozenset(t for t in FieldType if reader(t) is None or t in (FieldType.INTEGER, FieldType.BOOLEAN))


def _record_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return to_json(value)


def _as_dict(params: dict[str, Any], name: str) -> dict[str, Any]:
    raw = params.get(name) or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise DatastoreError({name: ["Cannot parse JSON"]}) from None
    if not isinstance(raw, dict):
        raise DatastoreError({name: ["Not a JSON object"]})
    return raw


def _as_int(params: dict[str, Any], name: str, default: int) -> int:
    try:
        value = int(params.get(name, default))
    except (TypeError, ValueError):
        raise DatastoreError({name: ["Invalid integer"]}) from None
    if value < 0:
        raise DatastoreError({name: ["Must be a natural number"]})
    return value


_held = threading.local()
"""Per thread (so per database connection): resource id → (stamp, the anonymous visitor's relation)."""


def public_relation(resource_id: str) -> VisibleRelation | None:
    """The anonymous visitor's visible relation of the published dataset behind a DataStore resource, or
    None when there is no such resource (unknown, unpublished, not public, a non-CSV resource).

    Compiled by the one gate (`compile_relation(actor=None)`) and kept for the next request of this thread
    while the dataset's stamp (kaidan.store.plainread.dataset_stamp: its row, its owner's, its fields') has
    not moved: a repeated `datastore_search` then reads only the stamp and its rows (one record by id: 1.6 →
    ~1.0 ms in process). The stamp is read *before* the dataset, so a commit between the two can only make
    the next request compile again, never keep a relation older than its stamp; a column raised to 秘 or an
    unpublished dataset is seen by the very next request, from this connection or any other."""
    from . import catalog

    pk = catalog.resource_dataset_pk(resource_id)
    if pk is None:
        return None
    stamp = dataset_stamp(pk)
    kept: dict[str, tuple[Any, VisibleRelation | None]] = getattr(_held, "relations", None) or {}
    hit = kept.get(resource_id)
    if stamp is not None and hit is not None and hit[0] == stamp:
        return hit[1]
    found = catalog.find_resource(resource_id, tags=False)
    rel = (
        compile_relation(found[0], actor=None)
        if found is not None and found[1] == catalog.FORMATS[0][1]
        else None
    )
    if stamp is not None:
        if len(kept) >= 64:  # the resources a thread served lately; never grows without bound
            kept = {}
        kept[resource_id] = (stamp, rel)
        _held.relations = kept
    return rel


def search(rel: VisibleRelation, resource_id: str, params: dict[str, Any], base_path: str) -> dict[str, Any]:
    dataset = rel.dataset
    by_name = {f.name: f for f in rel.visible}
    limit = min(_as_int(params, "limit", DEFAULT_LIMIT), MAX_LIMIT)
    offset = _as_int(params, "offset", 0)
    vendor = connection.vendor
    parts: list[str] = []
    values: list[Any] = []
    for name, wanted in _as_dict(params, "filters").items():
        target = by_name.get(name)
        if target is None:
            raise DatastoreError({"filters": [f'field "{name}" not in resource']})
        options = wanted if isinstance(wanted, list) else [wanted]
        try:
            sql, args = filter_sql(Filter(target, "in", ",".join(str(v) for v in options)), vendor)
        except QueryError as exc:
            raise DatastoreError({"filters": [str(exc)]}) from None
        parts.append(sql)
        values += args
    q = params.get("q") or ""
    found: int | None = None  # the total, when known without counting
    if isinstance(q, dict):
        for name, text in q.items():
            target = by_name.get(name)
            if target is None:
                raise DatastoreError({"q": [f'field "{name}" not in resource']})
            sql, args = filter_sql(Filter(target, "contains", str(text)), vendor)
            parts.append(sql)
            values += args
    elif str(q).strip():
        # the Japanese search engine (kaidan.search): a 2-character word inside a sentence, width and kana
        # variants; only rows the anonymous visitor may see, matched in columns they may see
        from kaidan.search.selectors import relation_row_ids

        ids = relation_row_ids(rel, str(q), limit=30_000)
        sql, id_params = store.with_ids(ids, dataset.row_count, limit)
        if not parts:  # every id is a current row of `rel`: the search alone matches exactly these
            found = len(ids)
        parts.append(sql)
        values += id_params
    chosen = _fields(params, rel.visible, by_name)
    order, descending = _sort(params, by_name)
    where, where_params = rel.where(" AND ".join(f"({p})" for p in parts), values)
    page = store.fetch_page(
        dataset,
        rel.fields,
        where=where,
        params=where_params,
        order=order,
        descending=descending,
        offset=offset,
        limit=limit,
    )
    index = {f.pk: i for i, f in enumerate(rel.fields)}
    # text and its kin, integers and yes/no are JSON as read; numbers and dates are converted
    picks = [(f.name, index[f.pk], None if f.type in _AS_READ else _record_value) for f in chosen]
    records = []
    for row_id, _rev, row in page:
        record: dict[str, Any] = {"_id": row_id}
        for name, i, convert in picks:
            value = row[i]
            record[name] = value if convert is None or value is None else convert(value)
        records.append(record)
    query = {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in params.items()}
    query["resource_id"] = resource_id
    start_link = f"{base_path}?{urlencode({k: v for k, v in query.items() if k != 'offset'})}"
    next_link = f"{base_path}?{urlencode({**query, 'offset': offset + limit})}"
    result: dict[str, Any] = {
        "resource_id": resource_id,
        "include_total": str(params.get("include_total", True)).lower() not in ("false", "0"),
        "limit": limit,
        "records_format": "objects",
        "total_estimation_threshold": None,
        "fields": [{"id": "_id", "type": "int"}]
        + [
            {"id": f.name, "type": CKAN_TYPES.get(f.type, "text"), "info": {"label": f.label}} for f in chosen
        ],
        "records": records,
        "_links": {"start": start_link, "next": next_link},
    }
    if offset:
        result["offset"] = offset
    if result["include_total"]:
        if found is not None:
            result["total"] = found
        elif len(page) < limit and (offset == 0 or page):
            # a short page is the last one: its rows are all that match (one record by id asks no COUNT)
            result["total"] = offset + len(page)
        else:
            result["total"] = rel.count(" AND ".join(f"({p})" for p in parts), values)
        result["total_was_estimated"] = False
    return result


def _fields(params: dict[str, Any], visible: list[Field], by_name: dict[str, Field]) -> list[Field]:
    raw = params.get("fields")
    if not raw:
        return visible
    names = raw if isinstance(raw, list) else [n.strip() for n in str(raw).split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name and n != "_id"]
    if unknown:
        raise DatastoreError({"fields": [f'field "{n}" not in resource' for n in unknown]})
    return [by_name[n] for n in names if n in by_name]


def _sort(params: dict[str, Any], by_name: dict[str, Field]) -> tuple[Field | None, bool]:
    raw = str(params.get("sort") or "").strip()
    if not raw:
        return None, False
    first = raw.split(",")[0].strip().strip('"')
    name, _sep, direction = first.partition(" ")
    name = name.strip('"')
    if name == "_id":
        return None, False
    target = by_name.get(name)
    if target is None:
        raise DatastoreError({"sort": [f'field "{name}" not in resource']})
    return target, direction.strip().lower() == "desc"
