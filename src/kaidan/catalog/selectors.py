"""Reads of the catalog, already filtered by what the actor may see (the only way views read datasets)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any

from django.db import connection
from django.db.models import Q

from kaidan.access.actors import Actor, account_of, is_superuser
from kaidan.access.levels import Level
from kaidan.access.services import Rights, organizations_of, readable_filter, rights, visible_columns
from kaidan.audit.services import record
from kaidan.core.errors import Forbidden, NotFound
from kaidan.store import selectors as store
from kaidan.store.plainread import dataset_with_owner
from kaidan.store.relation import Purpose, VisibleRelation, compile_relation

from .models import Dataset, Field
from .query import GridQuery


def list_datasets(
    *,
    actor: Actor,
    owner_code: str = "",
    classification: str = "",
    tag: str = "",
    search: str = "",
    among: Sequence[int] | None = None,
) -> list[Dataset]:
    """Datasets the actor may see, filtered in the database by the access service's rules (and each one
    confirmed with `rights`, so a divergence could only hide a dataset, never show one).

    `search` keeps those whose title or description contains every word of it (a simple catalog filter;
    full-text search comes later). `among` asks only about these datasets (by id; the SQL console names one
    or two): they are then decided by `rights` alone, the access service's own answer, which spares building
    the readable filter's query for a handful of rows."""
    if among is not None:
        picked = Dataset.objects.filter(pk__in=list(among)).select_related("owner").order_by("title", "pk")
        return [d for d in picked if rights(d, actor=actor).can_read]
    datasets = Dataset.objects.filter(readable_filter(Dataset._meta.label_lower, actor=actor))
    for word in search.split()[:10]:  # also splits at the full-width space
        datasets = datasets.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if owner_code:
        datasets = datasets.filter(owner__code=owner_code)
    if classification:
        datasets = datasets.filter(classification=classification)
    if tag:
        datasets = datasets.filter(tags__name=tag)
    datasets = datasets.select_related("owner").prefetch_related("tags").order_by("title", "pk")
    shown = []
    for d in datasets:
        r = rights(d, actor=actor)
        if r.can_read:
            # a reader confined to some rows is not told the whole dataset's row count
            d.visible_rows = None if r.row_filters else d.row_count  # type: ignore[attr-defined]
            shown.append(d)
    return shown


def get_dataset(name: str, operation: str = "object.view", *, actor: Actor) -> Dataset:
    """The dataset, or 404 when it does not exist *or* the actor may not see it (no existence leak)."""
    dataset = dataset_with_owner(name=name)  # select_related("owner").get(name=…), by a fixed statement
    if dataset is None:
        raise NotFound(detail=name)
    r = rights(dataset, actor=actor)
    if not r.can_read:
        raise NotFound(detail=name)
    if not r.allows(operation):
        raise Forbidden()
    return dataset


def visible_fields(dataset: Dataset, fields: Sequence[Field] | None = None, *, actor: Actor) -> list[Field]:
    return visible_columns(dataset, fields if fields is not None else dataset.live_fields(), actor=actor)


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
    fields: tuple[Field, ...] = ()
    """The fields of `values`, when read alone (get_row: the visible fields of the relation read)."""


@dataclass(frozen=True)
class Column:
    field: Field
    masked: bool = False


@dataclass(frozen=True)
class Facet:
    field: Field
    values: list[tuple[Any, int | str, str]]
    """(value, rows, query string that adds this value as a filter); the page shows them formatted
    (kaidan.catalog.views.facets_for_display: the value in words, the count with separators)."""


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
    field_count: int = 0
    """Every field of the revision read, visible or not (the page says how many are hidden)."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))


def audit_read(
    dataset: Dataset, fields: Sequence[Field], purpose: str, detail: dict[str, Any], *, actor: Actor
) -> None:
    """Log the reads a manager must be able to account for ("who saw this dataset"):

    every read of 秘 data, and reads of 限定 data by anyone outside the owner organization (partners and
    other departments reading what was shared with them). Share-link reads are logged by kaidan.links.
    """
    if (
        any(f.classification == Level.RESTRICTED for f in fields)
        or dataset.classification == Level.RESTRICTED
    ):
        record(f"store.read_restricted.{purpose}", dataset, actor=actor, detail=detail)
    elif (
        (dataset.classification == Level.LIMITED or any(f.classification == Level.LIMITED for f in fields))
        and account_of(actor=actor) is not None
        and not is_superuser(actor=actor)
        and all(org.pk != dataset.owner_id for org in organizations_of(actor=actor))
    ):
        record(f"store.read_shared.{purpose}", dataset, actor=actor, detail=detail)


def relation(
    dataset: Dataset, *, actor: Actor, as_of: int | None = None, purpose: Purpose = Purpose.READ
) -> VisibleRelation:
    """What the actor may see (or change) of the dataset: the one gate (kaidan.store.relation)."""
    return compile_relation(dataset, actor=actor, as_of=as_of, purpose=purpose)


def iter_visible_rows(
    dataset: Dataset,
    *,
    actor: Actor,
    as_of: int | None = None,
    purpose: str = "view",
    query: GridQuery | None = None,
) -> VisibleRows:
    """The fields the actor may see and their rows (row scopes applied). Reads of 秘 are audited.

    With a `query` (from `grid_query`), only its columns and matching rows, in its order; the query is
    confined to the columns visible in this relation, whatever it was parsed against.
    """
    rel = relation(dataset, actor=actor, as_of=as_of)
    fields = rel.visible
    if query is not None:
        query = _confine(query, rel.visible_ids())
        if query.columns:
            chosen = {f.pk for f in query.columns}
            fields = [f for f in fields if f.pk in chosen]
    audit_read(dataset, fields, purpose, {"revision": rel.number}, actor=actor)
    index = {f.pk: i for i, f in enumerate(rel.fields)}
    picks = [index[f.pk] for f in fields]

    def rows() -> Iterator[list[Any]]:
        if rel.as_of is None:
            where, params = _filters_sql(dataset, query, actor=actor)
            order = query.sort if query is not None else None
            desc = query.descending if query is not None else False
            for _row_id, _rev, values in rel.rows(where=where, params=params, order=order, descending=desc):
                yield [values[i] for i in picks]
            return
        wanted = _search_set(dataset, query, actor=actor)
        matching: Iterator[list[Any]] = (
            values
            for row_id, _rev, values in rel.rows()
            if (query is None or query.matches(rel.fields, values)) and (wanted is None or row_id in wanted)
        )
        if query is not None and query.sort is not None:
            matching = iter(_sorted(list(matching), index[query.sort.pk], query.descending))
        for values in matching:
            yield [values[i] for i in picks]

    return VisibleRows(rel.rights, fields, rows())


def grid_query(dataset: Dataset, params: Any, *, actor: Actor, as_of: int | None = None) -> GridQuery:
    """Read a grid query string against the fields the actor may see (never any other field).

    The revision is `as_of` when given, else the query string's own `as_of`."""
    number = as_of if as_of is not None else _int_or_none(params.get("as_of"))
    rel = relation(dataset, actor=actor, as_of=number)
    query = GridQuery.from_params(rel.visible, params)
    return replace(query, as_of=rel.as_of) if as_of is not None else query


def grid_page(dataset: Dataset, params: Any, *, actor: Actor) -> GridPage:
    """The grid page a query string asks for (past the last page: the last page), the relation compiled once."""
    rel = relation(dataset, actor=actor, as_of=_int_or_none(params.get("as_of")))
    query = GridQuery.from_params(rel.visible, params)
    page = query_rows(dataset, query, actor=actor, rel=rel)
    if query.page > page.pages:  # past the end (?page=99999999999999999999): show the last page
        page = query_rows(dataset, replace(query, page=page.pages), actor=actor, rel=rel)
    return page


def query_rows(
    dataset: Dataset,
    query: GridQuery,
    *,
    actor: Actor,
    purpose: str = "view",
    rel: VisibleRelation | None = None,
) -> GridPage:
    """One page of the grid as the actor may see it: filtered, sorted, paged in SQL; facets counted.

    `rel` is the actor's relation at `query.as_of` when the caller has compiled it already."""
    if rel is None or rel.as_of != query.as_of:
        rel = relation(dataset, actor=actor, as_of=query.as_of)
    r = rel.rights
    if not rel.allowed:  # defence in depth: callers fetch datasets with get_dataset (404) first
        return GridPage(r, GridQuery(), [], [], [], 0, [], rel.as_of, dataset.name)
    all_fields = rel.fields
    visible = rel.visible
    visible_ids = rel.visible_ids()
    # Never trust the query's fields: keep only those visible now (a query may come from a saved view).
    query = _confine(query, visible_ids)
    chosen = {f.pk for f in query.columns} if query.columns else visible_ids
    columns = [
        Column(f, masked=f.pk not in visible_ids)
        for f in all_fields
        if (f.pk in visible_ids and f.pk in chosen)
        or (f.pk not in visible_ids and dataset.masking == "masked" and not query.columns)
    ]
    shown = [c.field for c in columns if not c.masked]
    audit_read(dataset, shown, purpose, {"revision": rel.number}, actor=actor)
    index = {f.pk: i for i, f in enumerate(all_fields)}

    def cells(values: Sequence[Any]) -> list[Any]:
        return [MASK if c.masked else values[index[c.field.pk]] for c in columns]

    facets: list[Facet] = []
    if rel.as_of is None:
        filters, filter_params = _filters_sql(dataset, query, actor=actor)
        where, params = rel.where(filters, filter_params)
        total = rel.count(filters, filter_params)
        page = store.fetch_page(
            dataset,
            all_fields,
            where=where,
            params=params,
            order=query.sort,
            descending=query.descending,
            offset=query.offset,
            limit=query.size,
        )
        rows = [GridRow(row_id, rev, cells(values)) for row_id, rev, values in page]
        for target in query.facets:
            counts = rel.facet_counts(target, filters, filter_params)
            facets.append(Facet(target, [(v, n, query.with_facet_value(target, v)) for v, n in counts]))
    else:
        wanted = _search_set(dataset, query, actor=actor)
        matching = [
            (row_id, values)
            for row_id, _rev, values in rel.rows()
            if query.matches(all_fields, values) and (wanted is None or row_id in wanted)
        ]
        if query.sort is not None:
            key = index[query.sort.pk]
            present = [item for item in matching if item[1][key] is not None]
            present.sort(key=lambda item: item[1][key], reverse=query.descending)
            matching = present + [item for item in matching if item[1][key] is None]
        total = len(matching)
        rows = [
            GridRow(row_id, 0, cells(values))
            for row_id, values in matching[query.offset : query.offset + query.size]
        ]
        for target in query.facets:
            tally: dict[Any, int] = {}
            for _row_id, values in matching:
                tally[values[index[target.pk]]] = tally.get(values[index[target.pk]], 0) + 1
            top = sorted(tally.items(), key=lambda kv: -kv[1])[:20]
            facets.append(Facet(target, [(v, n, query.with_facet_value(target, v)) for v, n in top]))
    return GridPage(r, query, visible, columns, rows, total, facets, rel.as_of, dataset.name, len(all_fields))


def get_row(dataset: Dataset, row_id: int, as_of: int | None = None, *, actor: Actor) -> GridRow | None:
    """One record as the actor may see it (visible fields in order), or None when absent or out of scope."""
    rel = relation(dataset, actor=actor, as_of=as_of)
    found = rel.row(row_id)
    if found is None:
        return None
    rev, values = found
    index = {f.pk: i for i, f in enumerate(rel.fields)}
    audit_read(dataset, rel.visible, "record", {"revision": rel.number}, actor=actor)
    return GridRow(row_id, rev, [values[index[f.pk]] for f in rel.visible], tuple(rel.visible))


def matching_row_ids(
    dataset: Dataset, query: GridQuery, *, actor: Actor, purpose: Purpose = Purpose.READ
) -> list[int]:
    """Ids of the current rows in the actor's relation (bulk edits: the EDIT one) matching the query."""
    rel = relation(dataset, actor=actor, purpose=purpose)
    if not rel.allowed:
        return []
    query = _confine(query, rel.visible_ids())
    filters, params = _filters_sql(dataset, query, actor=actor)
    return [row_id for row_id, _rev, _values in rel.rows(where=filters, params=params)]


SEARCH_ROWS = 30_000  # matching rows a grid search may filter by (within every database's parameter limit)


def _search_ids(dataset: Dataset, query: GridQuery | None, *, actor: Actor) -> list[int] | None:
    """The rows the query's search words find (None: no search), through the Japanese search engine."""
    if query is None or not query.search:
        return None
    from kaidan.search.selectors import matching_row_ids as search_rows  # the search app reads the catalog

    return search_rows(dataset, query.search, actor=actor, limit=SEARCH_ROWS)[:SEARCH_ROWS]


def _search_set(dataset: Dataset, query: GridQuery | None, *, actor: Actor) -> set[int] | None:
    """The rows the search words find, as a set for filtering rows read in Python (as of a revision)."""
    found = _search_ids(dataset, query, actor=actor)
    return set(found) if found is not None else None


def _filters_sql(dataset: Dataset, query: GridQuery | None, *, actor: Actor) -> tuple[str, list[Any]]:
    """The query's column filters and search words as one SQL condition on the physical rows."""
    parts: list[str] = []
    params: list[Any] = []
    if query is not None and query.filters:
        sql, values = query.where(connection.vendor)
        parts.append(sql)
        params += values
    ids = _search_ids(dataset, query, actor=actor)
    if ids is not None:
        sql, id_params = store.with_ids(ids, dataset.row_count, query.size if query is not None else 50)
        parts.append(sql)
        params += id_params
    return " AND ".join(f"({p})" for p in parts), params


def _confine(query: GridQuery, visible_ids: set[int]) -> GridQuery:
    return replace(
        query,
        filters=tuple(f for f in query.filters if f.field.pk in visible_ids),
        sort=query.sort if query.sort is not None and query.sort.pk in visible_ids else None,
        columns=tuple(f for f in query.columns if f.pk in visible_ids) if query.columns else None,
        facets=tuple(f for f in query.facets if f.pk in visible_ids),
    )


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
