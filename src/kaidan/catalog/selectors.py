"""Reads of the catalog, already filtered by what the actor may see (the only way views read datasets)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils.translation import gettext as _

from kaidan.access.levels import Level
from kaidan.access.services import Rights, organizations_of, readable_filter, rights, visible_columns
from kaidan.audit.services import record
from kaidan.ingest.infer import convert
from kaidan.store import selectors as store
from kaidan.store.tables import q
from kaidan.store.values import to_db, to_json

from .models import Dataset, Field
from .query import GridQuery


def list_datasets(
    actor: Any, *, owner_code: str = "", classification: str = "", tag: str = ""
) -> list[Dataset]:
    """Datasets the actor may see, filtered in the database by the access service's rules (and each one
    confirmed with `rights`, so a divergence could only hide a dataset, never show one)."""
    datasets = Dataset.objects.filter(readable_filter(actor, Dataset._meta.label_lower))
    if owner_code:
        datasets = datasets.filter(owner__code=owner_code)
    if classification:
        datasets = datasets.filter(classification=classification)
    if tag:
        datasets = datasets.filter(tags__name=tag)
    datasets = datasets.select_related("owner").prefetch_related("tags").order_by("title", "pk")
    return [d for d in datasets if rights(actor, d).can_read]


def get_dataset(actor: Any, name: str, operation: str = "object.view") -> Dataset:
    """The dataset, or 404 when it does not exist *or* the actor may not see it (no existence leak)."""
    dataset = Dataset.objects.select_related("owner").filter(name=name).first()
    if dataset is None:
        raise Http404(name)
    r = rights(actor, dataset)
    if not r.can_read:
        raise Http404(name)
    if not r.allows(operation):
        raise PermissionDenied(_("You do not have permission to do this."))
    return dataset


def visible_fields(actor: Any, dataset: Dataset, fields: Sequence[Field] | None = None) -> list[Field]:
    return visible_columns(actor, dataset, fields if fields is not None else dataset.live_fields())


@dataclass(frozen=True)
class VisibleRows:
    """What one actor sees of a dataset: the rights they were computed from, the fields, the rows."""

    rights: Rights
    fields: list[Field]
    rows: Iterator[list[Any]]


MASK = "＊＊＊"


@dataclass(frozen=True)
class GridRow:
    row_id: int
    rev: int
    values: list[Any]
    """In the order of the visible fields of the page (masked columns hold MASK)."""


@dataclass(frozen=True)
class Column:
    field: Field
    masked: bool = False


@dataclass(frozen=True)
class Facet:
    field: Field
    values: list[tuple[Any, int, str]]
    """(value, rows, query string that adds this value as a filter)."""


@dataclass
class GridPage:
    rights: Rights
    query: GridQuery
    fields: list[Field]
    """Every field the actor may see (for filters, sort and column choice)."""
    columns: list[Column]
    """The columns shown, in order: the chosen visible fields, plus masked ones when the dataset masks."""
    rows: list[GridRow]
    total: int
    facets: list[Facet] = dc_field(default_factory=list)
    as_of: int | None = None
    dataset_name: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))


def audit_read(
    actor: Any, dataset: Dataset, fields: Sequence[Field], purpose: str, detail: dict[str, Any]
) -> None:
    """Log the reads a manager must be able to account for ("who saw this dataset"):

    every read of 秘 data, and reads of 限定 data by anyone outside the owner organization (partners and
    other departments reading what was shared with them). Share-link reads are logged by kaidan.links.
    """
    if (
        any(f.classification == Level.RESTRICTED for f in fields)
        or dataset.classification == Level.RESTRICTED
    ):
        record(actor, f"store.read_restricted.{purpose}", dataset, detail=detail)
    elif (
        (dataset.classification == Level.LIMITED or any(f.classification == Level.LIMITED for f in fields))
        and getattr(actor, "is_authenticated", False)
        and not getattr(actor, "is_superuser", False)
        and all(org.pk != dataset.owner_id for org in organizations_of(actor))
    ):
        record(actor, f"store.read_shared.{purpose}", dataset, detail=detail)


def _as_of(dataset: Dataset, as_of: int | None) -> int | None:
    if as_of is None or as_of >= dataset.current_revision:
        return None
    return max(as_of, 1)


def iter_visible_rows(
    actor: Any,
    dataset: Dataset,
    *,
    as_of: int | None = None,
    purpose: str = "view",
    query: GridQuery | None = None,
) -> VisibleRows:
    """The fields the actor may see and their rows (row scopes applied). Reads of 秘 are audited.

    With a `query` (from `grid_query`), only its columns and matching rows, in its order.
    """
    as_of = _as_of(dataset, as_of)
    number = as_of if as_of is not None else dataset.current_revision
    r = rights(actor, dataset)
    all_fields = store.fields_at(dataset, number)
    fields = r.visible(all_fields)
    if query is not None and query.columns:
        chosen = {f.pk for f in query.columns}
        fields = [f for f in fields if f.pk in chosen]
    audit_read(actor, dataset, fields, purpose, {"revision": number})
    index = {f.pk: i for i, f in enumerate(all_fields)}
    picks = [index[f.pk] for f in fields]
    scopes = r.row_filters

    def rows() -> Iterator[list[Any]]:
        if not r.can_read:  # defence in depth: callers fetch datasets with get_dataset (404) first
            return
        if as_of is None:
            where, params = _where(actor, r, all_fields, query)
            order = query.sort if query is not None else None
            desc = query.descending if query is not None else False
            for _row_id, values in store.iter_rows(
                dataset, all_fields, where=where, params=params, order=order, descending=desc
            ):
                yield [values[i] for i in picks]
            return
        matching: Iterator[list[Any]] = (
            values
            for _row_id, values in store.iter_rows(dataset, all_fields, as_of=as_of)
            if _in_scope(actor, scopes, all_fields, values)
            and (query is None or query.matches(all_fields, values))
        )
        if query is not None and query.sort is not None:
            matching = iter(_sorted(list(matching), index[query.sort.pk], query.descending))
        for values in matching:
            yield [values[i] for i in picks]

    return VisibleRows(r, fields, rows())


def grid_query(actor: Any, dataset: Dataset, params: Any) -> GridQuery:
    """Read a grid query string against the fields the actor may see (never any other field)."""
    as_of = _as_of(dataset, _int_or_none(params.get("as_of")))
    number = as_of if as_of is not None else dataset.current_revision
    return GridQuery.from_params(rights(actor, dataset).visible(store.fields_at(dataset, number)), params)


def query_rows(actor: Any, dataset: Dataset, query: GridQuery, *, purpose: str = "view") -> GridPage:
    """One page of the grid as the actor may see it: filtered, sorted, paged in SQL; facets counted."""
    as_of = _as_of(dataset, query.as_of)
    number = as_of if as_of is not None else dataset.current_revision
    r = rights(actor, dataset)
    if not r.can_read:  # defence in depth: callers fetch datasets with get_dataset (404) first
        return GridPage(r, GridQuery(), [], [], [], 0, [], as_of, dataset.name)
    all_fields = store.fields_at(dataset, number)
    visible = r.visible(all_fields)
    visible_ids = {f.pk for f in visible}
    # Never trust the query's fields: keep only those visible now (a query may come from a saved view).
    query = _confine(query, visible_ids)
    chosen = {f.pk for f in query.columns} if query.columns else visible_ids
    columns = [
        Column(f, masked=f.pk not in visible_ids)
        for f in all_fields
        if (f.pk in visible_ids and f.pk in chosen)
        or (f.pk not in visible_ids and dataset.masking == "masked" and r.can_read and not query.columns)
    ]
    shown = [c.field for c in columns if not c.masked]
    audit_read(actor, dataset, shown, purpose, {"revision": number})

    def cells(values: Sequence[Any], fields: Sequence[Field]) -> list[Any]:
        by_pk = {f.pk: v for f, v in zip(fields, values, strict=True)}
        return [MASK if c.masked else by_pk[c.field.pk] for c in columns]

    facets: list[Facet] = []
    if as_of is None:
        where, params = _where(actor, r, all_fields, query)
        if where or query.filters:
            total = store.count_rows(dataset, where=where, params=params)
        else:
            total = dataset.row_count
        page = store.fetch_page(
            dataset,
            shown,
            where=where,
            params=params,
            order=query.sort,
            descending=query.descending,
            offset=query.offset,
            limit=query.size,
        )
        rows = [GridRow(row_id, rev, cells(values, shown)) for row_id, rev, values in page]
        for target in query.facets:
            counts = store.facet_counts(dataset, target, where=where, params=params)
            facets.append(Facet(target, [(v, n, query.with_facet_value(target, v)) for v, n in counts]))
    else:
        index = {f.pk: i for i, f in enumerate(all_fields)}
        matching = [
            (row_id, values)
            for row_id, values in store.iter_rows(dataset, all_fields, as_of=as_of)
            if _in_scope(actor, r.row_filters, all_fields, values) and query.matches(all_fields, values)
        ]
        if query.sort is not None:
            key = index[query.sort.pk]
            present = [item for item in matching if item[1][key] is not None]
            present.sort(key=lambda item: item[1][key], reverse=query.descending)
            matching = present + [item for item in matching if item[1][key] is None]
        total = len(matching)
        rows = [
            GridRow(row_id, 0, cells(values, all_fields))
            for row_id, values in matching[query.offset : query.offset + query.size]
        ]
        for target in query.facets:
            tally: dict[Any, int] = {}
            for _row_id, values in matching:
                tally[values[index[target.pk]]] = tally.get(values[index[target.pk]], 0) + 1
            top = sorted(tally.items(), key=lambda kv: -kv[1])[:20]
            facets.append(Facet(target, [(v, n, query.with_facet_value(target, v)) for v, n in top]))
    return GridPage(r, query, visible, columns, rows, total, facets, as_of, dataset.name)


def get_row(actor: Any, dataset: Dataset, row_id: int, as_of: int | None = None) -> GridRow | None:
    """One record as the actor may see it (visible fields in order), or None when absent or out of scope."""
    as_of = _as_of(dataset, as_of)
    number = as_of if as_of is not None else dataset.current_revision
    r = rights(actor, dataset)
    if not r.can_read:
        return None
    all_fields = store.fields_at(dataset, number)
    visible = r.visible(all_fields)
    index = {f.pk: i for i, f in enumerate(all_fields)}
    where, params = _where(actor, r, all_fields, None)
    where = f"_id = %s AND ({where})" if where else "_id = %s"
    for found_id, rev, values in store.iter_rows_with_rev(
        dataset, all_fields, as_of=as_of, where=where, params=[row_id, *params]
    ):
        if as_of is not None and not _in_scope(actor, r.row_filters, all_fields, values):
            return None
        audit_read(actor, dataset, visible, "record", {"revision": number})
        return GridRow(found_id, rev, [values[index[f.pk]] for f in visible])
    return None


def matching_row_ids(actor: Any, dataset: Dataset, query: GridQuery) -> list[int]:
    """Ids of the current rows the actor may see that match the query's filters (for bulk edits)."""
    r = rights(actor, dataset)
    if not r.can_read:
        return []
    all_fields = dataset.live_fields()
    query = _confine(query, {f.pk for f in r.visible(all_fields)})
    where, params = _where(actor, r, all_fields, query)
    return [row_id for row_id, _values in store.iter_rows(dataset, [], where=where, params=params)]


def row_in_scope(actor: Any, r: Rights, fields: Sequence[Field], values: Sequence[Any]) -> bool:
    """True when a row (values in `fields` order) is inside the actor's row scopes (for Python reads)."""
    return _in_scope(actor, r.row_filters, fields, values)


def _confine(query: GridQuery, visible_ids: set[int]) -> GridQuery:
    return replace(
        query,
        filters=tuple(f for f in query.filters if f.field.pk in visible_ids),
        sort=query.sort if query.sort is not None and query.sort.pk in visible_ids else None,
        columns=tuple(f for f in query.columns if f.pk in visible_ids) if query.columns else None,
        facets=tuple(f for f in query.facets if f.pk in visible_ids),
    )


def _where(actor: Any, r: Rights, fields: Sequence[Field], query: GridQuery | None) -> tuple[str, list[Any]]:
    """The SQL condition for the actor's row scopes and the query's filters (current revision)."""
    vendor = connection.vendor
    parts: list[str] = []
    params: list[Any] = []
    if r.row_filters:
        alternatives = []
        for scope in r.row_filters:
            sql, values = _scope_sql(actor, scope, fields, vendor)
            alternatives.append(f"({sql})")
            params += values
        parts.append(" OR ".join(alternatives))
    if query is not None and query.filters:
        sql, values = query.where(vendor)
        parts.append(sql)
        params += values
    return " AND ".join(f"({p})" for p in parts), params


def _scope_field(scope_name: str, fields: Sequence[Field]) -> Field | None:
    return next((f for f in fields if f.name == scope_name), None) or next(
        (f for f in fields if f.label == scope_name), None
    )


def _viewer_orgs(actor: Any) -> list[str]:
    return sorted({text for org in organizations_of(actor) for text in (org.name, org.code)})


def _expected(actor: Any, cond: dict[str, Any]) -> list[str]:
    op = cond.get("op", "eq")
    if op == "viewer_org":
        return _viewer_orgs(actor)
    if op == "in":
        return [str(v) for v in cond.get("value") or []]
    return [str(cond.get("value"))]


def _scope_sql(
    actor: Any, scope: Sequence[dict[str, Any]], fields: Sequence[Field], vendor: str
) -> tuple[str, list[Any]]:
    """One row scope (all conditions must hold) as SQL; an unknown column or value matches nothing."""
    parts: list[str] = []
    params: list[Any] = []
    for cond in scope:
        target = _scope_field(str(cond.get("field", "")), fields)
        if target is None:
            return "1 = 0", []
        values = []
        for text in _expected(actor, cond):
            try:
                values.append(to_db(convert(text, target.type), target.type, vendor))
            except (ValueError, ArithmeticError):
                continue
        values = [v for v in values if v is not None]
        if not values:
            return "1 = 0", []
        parts.append(f"{q(target.column)} IN ({', '.join(['%s'] * len(values))})")
        params += values
    return " AND ".join(parts) or "1 = 1", params


def _in_scope(
    actor: Any, scopes: Sequence[Sequence[dict[str, Any]]], fields: Sequence[Field], values: Sequence[Any]
) -> bool:
    return not scopes or any(_matches(scope, fields, values, actor) for scope in scopes)


def _matches(
    scope: Sequence[dict[str, Any]], fields: Sequence[Field], values: Sequence[Any], actor: Any = None
) -> bool:
    """True when the row satisfies every condition of one row scope (the Python twin of _scope_sql)."""
    index = {f.pk: i for i, f in enumerate(fields)}
    for cond in scope:
        target = _scope_field(str(cond.get("field", "")), fields)
        if target is None:
            return False
        value = values[index[target.pk]]
        if value is None:
            return False
        expected = set()
        for text in _expected(actor, cond):
            try:
                expected.add(to_json(convert(text, target.type)))
            except (ValueError, ArithmeticError):
                continue
        if to_json(value) not in expected:
            return False
    return True


def _sorted(rows: list[list[Any]], key: int, descending: bool) -> list[list[Any]]:
    present = [r for r in rows if r[key] is not None]
    empty = [r for r in rows if r[key] is None]
    present.sort(key=lambda r: r[key], reverse=descending)
    return present + empty


def _int_or_none(text: Any) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except (TypeError, ValueError):
        return None
