"""One search over dataset metadata, record values and document text, as one actor may see it.

The index proposes entries (kaidan.search.fts); each is then confirmed twice: against the normalized text
(the exact test: no false hits) and through the access service — datasets the actor may read, documents the
actor may read, and for records the actor's visible relation (kaidan.store.relation): the cell's column must
be visible to them *now* and the row inside their row scope. Counts are counts of confirmed hits, so nothing
the actor may not see shows in hits, counts or snippets.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from kaidan.access.actors import Actor
from kaidan.access.services import rights
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import list_datasets
from kaidan.documents.models import Document
from kaidan.documents.selectors import visible_documents
from kaidan.store import readcache
from kaidan.store.models import Revision
from kaidan.store.relation import VisibleRelation, compile_relation
from kaidan.store.selectors import ids_condition
from kaidan.values.textsearch import Query, normalize, parse, snippet, words

from . import fts, morphology
from .models import Kind, SearchEntry

CANDIDATES = 5000
SHOWN = 50
LINK_ROW = 987654321
"""A row id only used to cut a record link into its parts around the id."""
RANKED = 500
"""Record hits ranked by the morphological analyser per dataset (the rest keep row order, after them)."""


@dataclass
class Hit:
    kind: str
    title: str
    url: str
    before: str
    match: str
    after: str
    context: str = ""
    """Where: the dataset and column of a record, the organization of a dataset or document."""
    exact_title: bool = False
    rank: int = 0
    """Lower first (record hits: minus the morphological rank, kaidan.search.morphology.rank)."""


@dataclass
class Results:
    text: str
    query: Query
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    suggestions: list[tuple[str, int]] = field(default_factory=list)
    """For a query without hits: other ways to write it that have hits, with their counts."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def search(
    text: str,
    *,
    actor: Actor,
    kinds: tuple[str, ...] = (Kind.DATASET, Kind.RECORD, Kind.DOCUMENT),
    dataset: Dataset | None = None,
    organization: str = "",
    changed_since: datetime.date | None = None,
    suggest: bool = True,
) -> Results:
    """`changed_since` keeps datasets and documents changed on or after that day, and records last changed
    by a revision of that day or later."""
    query = parse(text)
    results = Results(text, query, {k: [] for k in kinds}, {k: 0 for k in kinds})
    if query.empty:
        return results
    if dataset is not None:  # one dataset (the grid's search box): ask about it alone, not the catalogue
        shown = rights(dataset, actor=actor).can_read and (
            not organization or dataset.owner.code == organization
        )
        readable = {dataset.pk: dataset} if shown else {}
    else:
        readable = {d.pk: d for d in list_datasets(actor=actor, owner_code=organization)}
    since = _start_of(changed_since)
    if Kind.DATASET in kinds and dataset is None:
        changed = {pk: d for pk, d in readable.items() if since is None or d.updated_at >= since}
        _datasets(results, changed, query)
    if Kind.RECORD in kinds:
        _records(results, readable, query, since, actor=actor)
    if Kind.DOCUMENT in kinds and dataset is None:
        _documents(results, query, organization, since, actor=actor)
    if suggest and results.total == 0:
        for other in morphology.suggestions(text):
            found = search(
                other,
                actor=actor,
                kinds=kinds,
                dataset=dataset,
                organization=organization,
                changed_since=changed_since,
                suggest=False,
            )
            if found.total:
                results.suggestions.append((other, found.total))
    return results


def _start_of(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _first_revision_since(dataset: Dataset, since: datetime.datetime) -> int | None:
    return (
        Revision.objects.filter(dataset=dataset, created_at__gte=since)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )


def _confirmed(query: Query, kind: str, dataset_ids: list[int] | None = None) -> list[SearchEntry]:
    ids = fts.candidates(query, kind=kind, dataset_ids=dataset_ids, limit=CANDIDATES)
    entries = SearchEntry.objects.filter(pk__in=ids).order_by("pk") if ids else []
    return [e for e in entries if query.matches(e.norm)]


def _datasets(results: Results, readable: dict[int, Dataset], query: Query) -> None:
    hits = []
    for entry in _confirmed(query, Kind.DATASET, list(readable)):
        ds = readable[entry.dataset_id]  # type: ignore[index]
        before, match, after = snippet(entry.text, query)
        exact = query.matches(normalize(ds.title)) or any(t.text == ds.title for t in query.terms())
        hits.append(
            Hit(
                Kind.DATASET,
                ds.title,
                reverse("catalog:dataset", args=[ds.name]),
                before,
                match,
                after,
                ds.owner.name,
                exact_title=exact,
            )
        )
    hits.sort(key=lambda h: (not h.exact_title, h.title))
    results.hits[Kind.DATASET] = hits[:SHOWN]
    results.counts[Kind.DATASET] = len(hits)


@dataclass
class Cell:
    """A visible text cell of a matching record: its field, its value (as the actor reads it) and its words."""

    field_id: int
    value: str
    norm: str


def _record_cells(
    query: Query, dataset: Dataset, rel: VisibleRelation, limit: int, since: datetime.datetime | None = None
) -> dict[int, list[Cell]]:
    """{row id: its visible text cells} for the rows of `dataset` the actor may see that match the query.

    A record matches when every word (group) is in *some* visible cell and no visible cell holds an excluded
    word: candidates come from the index one group at a time (with their words), rows are intersected and
    read through the actor's visible relation (its row scope; the values shown in snippets), then the words
    of their visible cells are checked exactly — the cells each word was found in, or every visible cell
    of the row when a word is excluded."""
    visible = {f.pk for f in rel.visible}
    rows: set[int] | None = None
    found_cells: dict[int, dict[int, str]] = {}
    for group in query.groups:
        found: set[int] = set()
        for row_id, field_id, norm in fts.record_cells(
            Query(groups=[group]), dataset_id=dataset.pk, limit=limit
        ):
            if field_id in visible:
                found.add(row_id)
                found_cells.setdefault(row_id, {})[field_id] = norm
        rows = found if rows is None else rows & found
        if not rows:
            return {}
    candidates = sorted(rows or ())
    changed = ""
    first: list[int] = []
    if since is not None:
        number = _first_revision_since(dataset, since)
        if number is None:
            return {}
        changed, first = " AND _rev >= %s", [number]  # _rev: the revision that last changed the row
    position = {f.pk: i for i, f in enumerate(rel.fields)}
    allowed: dict[int, list[Any]] = {}
    if candidates:  # all of them in one parameter (store.ids_condition): no database limits its length
        where, params = ids_condition("_id", candidates)
        for row_id, _rev, values in rel.rows(where=f"{where}{changed}", params=[*params, *first]):
            allowed[row_id] = values
    ordered = sorted(allowed)
    if query.excluded:  # an excluded word may be in any visible cell, not only those the words were found in
        found_cells = {}
        for start in range(0, len(ordered), 500):
            for row_id, field_id, norm in fts.row_entries(dataset.pk, ordered[start : start + 500]):
                if field_id in visible:
                    found_cells.setdefault(row_id, {})[field_id] = norm
    matched: dict[int, list[Cell]] = {}
    for row_id in ordered:
        entries = sorted(found_cells.get(row_id, {}).items())
        if entries and query.matches_all([norm for _field_id, norm in entries], normalized=True):
            values = allowed[row_id]
            matched[row_id] = [Cell(f, _value(values, position.get(f)), norm) for f, norm in entries]
    return matched


def _value(values: list[Any], at: int | None) -> str:
    value = values[at] if at is not None else None
    return "" if value is None else str(value)


def _records(
    results: Results,
    readable: dict[int, Dataset],
    query: Query,
    since: datetime.datetime | None = None,
    *,
    actor: Actor,
) -> None:
    ranked: list[tuple[int, int, int, Dataset, Cell, dict[int, str]]] = []
    count = 0
    terms = [t.words for t in query.terms()]
    for order, ds in enumerate(readable.values()):
        rel = compile_relation(ds, actor=actor)
        labels = {f.pk: f.label for f in rel.visible}
        matched = _record_cells(query, ds, rel, CANDIDATES, since)
        count += len(matched)
        for row_id, cells in list(matched.items())[:RANKED]:
            shown = next((c for c in cells if any(t in c.norm for t in terms)), cells[0])
            rank = -morphology.rank(terms, shown.value, shown.norm)
            ranked.append((rank, order, row_id, ds, shown, labels))
    ranked.sort(key=lambda r: r[:3])
    hits: list[Hit] = []
    links: dict[int, tuple[str, str]] = {}
    for rank, _order, row_id, ds, shown, labels in ranked[:SHOWN]:  # snippets and links for those shown
        before, match, after = snippet(shown.value, query)
        if ds.pk not in links:  # reverse() once per dataset (under load it costs ~1 ms a call)
            head, _, tail = reverse("editing:record", args=[ds.name, LINK_ROW]).rpartition(str(LINK_ROW))
            links[ds.pk] = (head, tail)
        head, tail = links[ds.pk]
        url = f"{head}{row_id}{tail}"
        hits.append(Hit(Kind.RECORD, ds.title, url, before, match, after, labels[shown.field_id], rank=rank))
    results.hits[Kind.RECORD] = hits
    results.counts[Kind.RECORD] = count


def _documents(
    results: Results, query: Query, organization: str, since: datetime.datetime | None = None, *, actor: Actor
) -> None:
    readable = visible_documents(actor=actor)
    if organization:
        readable = readable.filter(owner__code=organization)
    if since is not None:
        readable = readable.filter(updated_at__gte=since)
    readable_ids = set(readable.values_list("pk", flat=True))
    hits = []
    for entry in _confirmed(query, Kind.DOCUMENT):
        if entry.document_id not in readable_ids:
            continue
        document = Document.objects.select_related("owner").get(pk=entry.document_id)
        if not rights(document, actor=actor).can_read:  # a second check behind the database filter
            continue
        before, match, after = snippet(entry.text, query)
        exact = any(t.words in words(normalize(document.title)) for t in query.terms())
        hits.append(
            Hit(
                Kind.DOCUMENT,
                document.title,
                reverse("documents:detail", args=[document.pk]),
                before,
                match,
                after,
                document.owner.name,
                exact_title=exact,
            )
        )
    hits.sort(key=lambda h: (not h.exact_title, h.title))
    results.hits[Kind.DOCUMENT] = hits[:SHOWN]
    results.counts[Kind.DOCUMENT] = len(hits)


def matching_row_ids(dataset: Dataset, text: str, *, actor: Actor, limit: int = 100_000) -> list[int]:
    """Ids of the rows of `dataset` the actor may see that match the query (all of them, up to `limit`
    candidates a word), for filtering a table by the search engine (the CKAN DataStore's `q`, the grid)."""
    return relation_row_ids(compile_relation(dataset, actor=actor), text, limit=limit)


def relation_row_ids(rel: VisibleRelation, text: str, *, limit: int = 100_000) -> list[int]:
    """`matching_row_ids` within a relation the one gate already compiled for this request's reader (the
    DataStore keeps the anonymous visitor's): every id is a current row of `rel`, so their number is the
    count of rows the search matches there."""
    query = parse(text)
    if query.empty:
        return []
    # Cached like the grid's counts (kaidan.store.readcache): per revision and per visible relation, so only a
    # reader who sees the same rows and columns shares the answer. A big import is indexed by a background
    # task after its revision, so the answer is also kept no longer than SEARCH_TTL seconds.
    key = readcache.digest("search", rel.fingerprint(), text, limit)
    found = readcache.get_or_compute(
        key, lambda: sorted(_record_cells(query, rel.dataset, rel, limit)), ttl=SEARCH_TTL
    )
    return list(found)  # the cached list stays as it was


SEARCH_TTL = 30.0
