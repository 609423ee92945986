"""Reads for the public open-data portal: the published catalogue searched, filtered, sorted and paged, and
what one dataset page shows (metadata, update history, a preview, a chart's counts, whether it has a map).

Everything is read as the anonymous visitor, whoever is logged in: the catalogue is kaidan.opendata.catalog's
published set (each dataset confirmed with the anonymous rights), rows come through the anonymous visible
relation (kaidan.catalog.selectors), so the portal can show nothing that the CKAN API would not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.http import QueryDict

from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.query import GridQuery
from kaidan.catalog.selectors import GridPage, grid_query, query_rows
from kaidan.values.textsearch import normalize

from . import catalog, search
from .packages import coordinate_fields

PAGE_SIZE = 20
PREVIEW_ROWS = 20
SEARCH_MAX = 100
SORTS = {
    "relevance": "score desc, metadata_modified desc",
    "modified": "metadata_modified desc",
    "title": "title_string asc",
    "name": "name asc",
}
FORMATS = ("CSV", "JSON", "GeoJSON", "XLSX", "Parquet")
CHART_VALUES = 20  # the chart counts the most frequent values of one column


@dataclass
class Entry:
    """One dataset in the catalogue list."""

    dataset: Dataset
    package: dict[str, Any]
    formats: list[str]
    matching_rows: int | None = None
    """With a search: how many rows hold the words (the search engine over the anonymous relation)."""


@dataclass
class Facets:
    organizations: list[tuple[str, str, int]] = field(default_factory=list)
    tags: list[tuple[str, int]] = field(default_factory=list)
    formats: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class CataloguePage:
    entries: list[Entry]
    total: int
    page: int
    pages: int
    facets: Facets
    selected: dict[str, str]


def _formats(datasets: list[Dataset]) -> dict[int, list[str]]:
    """What the portal offers for download per dataset (GeoJSON only where there are coordinates).

    One query for all: the live columns at 公開, which is what the anonymous visible relation shows (the
    download itself still goes through the relation)."""
    from kaidan.access.levels import Level

    public: dict[int, list[Field]] = {d.pk: [] for d in datasets}
    for f in Field.objects.filter(dataset__in=datasets, removed=False, classification=Level.PUBLIC):
        public[f.dataset_id].append(f)
    return {
        pk: [f for f in FORMATS if f != "GeoJSON" or coordinate_fields(fields) is not None]
        for pk, fields in public.items()
    }


def _ordered(packages: list[dict[str, Any]], sort: str, q: str) -> list[dict[str, Any]]:
    """The packages in the chosen order, ties by id (package_search's order, without its row cap)."""
    ordered = sorted(packages, key=lambda p: p["id"])
    for part in reversed(SORTS[sort].split(",")):
        name, _sep, direction = part.strip().partition(" ")
        key = (lambda p: search._score(p, q)) if name == "score" else search.SORTS[name]
        ordered.sort(key=key, reverse=direction == "desc")
    return ordered


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def catalogue(params: Mapping[str, str], base_url: str) -> CataloguePage:
    """The published datasets matching the visitor's words and filters, in the chosen order, one page."""
    q = params.get("q", "").strip()[:SEARCH_MAX]
    org, tag, fmt = params.get("organization", ""), params.get("tag", ""), params.get("format", "")
    since = _date(params.get("updated_after", ""))
    sort = params.get("sort", "") if params.get("sort", "") in SORTS else ("relevance" if q else "modified")
    try:
        page = max(1, min(int(params.get("page", "1")), 10**6))
    except ValueError:
        page = 1
    datasets = {catalog.package_id(d): d for d in catalog.published()}
    packages = [catalog.package_dict(d, base_url) for d in datasets.values()]
    formats = _formats(list(datasets.values()))
    entries = [
        Entry(datasets[p["id"]], p, formats[datasets[p["id"]].pk]) for p in _ordered(packages, sort, q)
    ]
    if q:
        entries = _matching(entries, q)
    if since is not None:
        entries = [e for e in entries if e.dataset.updated_at.date() >= since]
    facets = _facets(entries)
    if org:
        entries = [e for e in entries if e.dataset.owner.code == org]
    if tag:
        entries = [e for e in entries if tag in {t["name"] for t in e.package["tags"]}]
    if fmt:
        entries = [e for e in entries if fmt in e.formats]
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(page, pages)
    selected = {
        "q": q,
        "organization": org,
        "tag": tag,
        "format": fmt,
        "updated_after": since.isoformat() if since else "",
        "sort": sort,
    }
    return CataloguePage(
        entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(entries), page, pages, facets, selected
    )


def _matching(entries: list[Entry], q: str) -> list[Entry]:
    """Datasets whose metadata holds every word (the CKAN `q` test), or whose rows do (kaidan.search).

    Metadata hits come first; the order within each group is the chosen sort."""
    from kaidan.search.selectors import matching_row_ids

    words = [normalize(w) for w in q.split()]
    by_metadata, by_rows = [], []
    for entry in entries:
        text = normalize(search._text(entry.package))
        rows = matching_row_ids(entry.dataset, q, actor=None, limit=10_000)
        entry.matching_rows = len(rows)
        if all(w in text for w in words):
            by_metadata.append(entry)
        elif rows:
            by_rows.append(entry)
    return by_metadata + by_rows


def _facets(entries: list[Entry]) -> Facets:
    orgs: dict[str, tuple[str, int]] = {}
    tags: dict[str, int] = {}
    formats: dict[str, int] = {}
    for entry in entries:
        owner = entry.dataset.owner
        orgs[owner.code] = (owner.name, orgs.get(owner.code, (owner.name, 0))[1] + 1)
        for t in entry.package["tags"]:
            tags[t["name"]] = tags.get(t["name"], 0) + 1
        for f in entry.formats:
            formats[f] = formats.get(f, 0) + 1
    return Facets(
        sorted(((c, n, k) for c, (n, k) in orgs.items()), key=lambda o: (-o[2], o[1])),
        sorted(tags.items(), key=lambda t: (-t[1], t[0])),
        [(f, formats[f]) for f in FORMATS if f in formats],
    )


def find(name: str) -> Dataset | None:
    """A published dataset by name or CKAN id (None: not published, or not there)."""
    return catalog.find_package(name)


@dataclass
class RevisionEntry:
    number: int
    created_at: Any
    source: str
    """import, edit, schema or restore (the revision's message is not shown: free text written for staff)."""


def history(dataset: Dataset, limit: int = 50) -> list[RevisionEntry]:
    """The dataset's revisions, newest first: number, date and kind, each downloadable by number."""
    from kaidan.store.models import Revision

    found = (
        Revision.objects.filter(dataset=dataset)
        .only("number", "created_at", "source")
        .order_by("-number")[:limit]
    )
    return [RevisionEntry(r.number, r.created_at, r.get_source_display()) for r in found]


def preview(dataset: Dataset, params: QueryDict) -> tuple[GridPage, GridQuery]:
    """The first rows matching the visitor's filters (the grid's query string, confined to what the
    anonymous visitor may see), and the query read (for the filtered downloads and the filter form)."""
    query = grid_query(dataset, params, actor=None)
    query = replace(query, page=1, size=PREVIEW_ROWS, as_of=None, facets=(), columns=None)
    return query_rows(dataset, query, actor=None, purpose="portal"), query


def chart_fields(fields: list[Field]) -> list[Field]:
    """Columns worth a bar chart of counts: text, yes/no and whole numbers (not dates, amounts, coordinates)."""
    return [f for f in fields if f.type in ("text", "boolean", "integer")]


CHART_PROBES = 12
CHART_PROBE_ROWS = 200_000


def default_chart_field(dataset: Dataset, query: GridQuery, fields: list[Field]) -> Field | None:
    """The column charted before the visitor chooses: yes/no columns first, then the first column with at
    least two values of which one repeats (not a constant, not an identifier). Each probe is one GROUP BY,
    so big tables get the first yes/no or text column without probing."""
    ranked = sorted(fields, key=lambda f: f.type != "boolean")
    if not ranked or dataset.row_count > CHART_PROBE_ROWS:
        return ranked[0] if ranked else None
    for target in ranked[:CHART_PROBES]:
        counts = chart(dataset, query, target)
        if len(counts) >= 2 and counts[0][1] >= 2:
            return target
    return ranked[0]


def chart(dataset: Dataset, query: GridQuery, target: Field) -> list[tuple[str, int]]:
    """How many rows (of those the filters keep) have each value of `target`: the most frequent ones."""
    from kaidan.core.display import display_value

    page = query_rows(dataset, replace(query, size=1, facets=(target,)), actor=None, purpose="portal")
    if not page.facets:
        return []
    return [(display_value(v), int(n)) for v, n, _link in page.facets[0].values[:CHART_VALUES]]


def has_map(fields: list[Field]) -> bool:
    return coordinate_fields(fields) is not None


@dataclass
class Geocoded:
    """What the portal says of a map placed by address: how many rows, and from which list."""

    placed: int
    total: int
    no_address: int
    not_found: int
    reference_title: str

    @property
    def unplaced(self) -> int:
        return self.no_address + self.not_found


def geocoded(dataset: Dataset) -> Geocoded | None:
    """The counts of the dataset's rows placed from the ward's own address list (kaidan.catalog.geocode),
    as the anonymous visitor; once per revision of the dataset and of the list."""
    from kaidan.catalog import geocode
    from kaidan.store import readcache

    reference = geocode.reference_dataset()
    if reference is None:
        return None
    key = readcache.digest(
        "geocoded",
        dataset.pk,
        dataset.current_revision,
        str(dataset.updated_at),
        reference.pk,
        reference.current_revision,
        str(reference.updated_at),
    )

    def compute() -> Geocoded | None:
        found = geocode.geocode(dataset, actor=None)
        if found is None:
            return None
        return Geocoded(
            found.points.num_rows, found.total, found.no_address, found.not_found, found.reference.title
        )

    return readcache.get_or_compute(key, compute)


def geocoded_features(dataset: Dataset, limit: int) -> dict[str, Any]:
    """The rows placed by address as a GeoJSON FeatureCollection (at most `limit` points), with the count of
    rows that could not be placed (`unplaced`, a foreign member)."""
    from kaidan.catalog import geocode

    found = geocode.geocode(dataset, actor=None)
    if found is None:
        return {"type": "FeatureCollection", "features": [], "unplaced": 0}
    return geocode.feature_collection(found, limit)
