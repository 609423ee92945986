"""Maps in the analysis area: points of a dataset or saved query with coordinates, and a district choropleth
joined from a boundary file to a count or sum per district column.

Every number comes from the analysis engine (kaidan.analysis.engine), so a map sees exactly what the SQL
console would: the actor's visible columns and rows, nothing else. A source is a dataset (`SELECT *` of its
visible relation) or a saved query the actor may open; a map asks the engine for the source's rows wrapped
in one more SELECT (the coordinates, or the GROUP BY per district). A column can be chosen only among the
source's own result columns, so a column the actor may not see cannot be named. A dataset with addresses
but no coordinates is placed from the ward's own address list (kaidan.catalog.geocode), through the same
gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from kaidan.access.actors import Actor
from kaidan.access.services import organizations_of
from kaidan.catalog import geocode
from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.selectors import audit_read, list_datasets
from kaidan.store.relation import compile_relation
from kaidan.values.messages import Message, gettext_noop
from kaidan.values.normalize import coordinate_kind

from . import engine
from .boundaries import district_key
from .models import Boundary, SavedQuery

MAX_POINTS = 10_000
CLASSES = 5
NUMERIC = ("integer", "decimal")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Column:
    name: str
    label: str
    numeric: bool


@dataclass
class Source:
    """What a map reads: a dataset's visible relation or a saved query's result, as one SELECT."""

    key: str
    """``dataset:<name>`` or ``query:<pk>`` (the form's value)."""
    title: str
    sql: str
    columns: list[Column]
    dataset: Dataset | None = None
    fields: list[Field] = field(default_factory=list)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def saved_queries(*, actor: Actor) -> list[SavedQuery]:
    """The saved queries the actor may open: their own and those shared with one of their organizations."""
    from kaidan.access.actors import account_of

    author = account_of(actor=actor)
    if author is None:
        return []
    orgs = [o.pk for o in organizations_of(actor=actor)]
    return list(SavedQuery.objects.filter(Q(created_by=author) | Q(shared_with__in=orgs)).distinct())


def source(key: str, *, actor: Actor) -> Source | None:
    """The source a form names (None: unknown, or not the actor's to read)."""
    kind, _sep, ident = key.partition(":")
    if kind == "dataset":
        dataset = next((d for d in list_datasets(actor=actor) if d.name == ident), None)
        if dataset is None:
            return None
        rel = compile_relation(dataset, actor=actor)
        columns = [Column(f.name, f.label, f.type in NUMERIC) for f in rel.visible]
        return Source(
            key, dataset.title, f"SELECT * FROM {_quote(dataset.name)}", columns, dataset, rel.visible
        )
    if kind == "query" and ident.isdigit():
        query = next((q for q in saved_queries(actor=actor) if q.pk == int(ident)), None)
        if query is None:
            return None
        sql = query.sql.strip().rstrip(";")
        probe = engine.run(f"SELECT * FROM ({sql}) AS q LIMIT 0", actor=actor, purpose="map")
        columns = [Column(c, c, False) for c in probe.columns]
        return Source(key, query.title, sql, columns)
    return None


@dataclass
class Points:
    points: list[tuple[float, float, str]]
    """(latitude, longitude, label) of each row placed."""
    total: int
    unplaced: int
    truncated: bool
    reference: str = ""
    """The title of the address list the rows were placed from (empty: the rows' own coordinates)."""


def _coordinates(src: Source) -> tuple[str, str] | None:
    if src.dataset is not None:
        pair = geocode.coordinate_fields(src.fields)
        return (pair[0].name, pair[1].name) if pair else None
    lat = next((c.name for c in src.columns if coordinate_kind(c.name) == "latitude"), None)
    lon = next((c.name for c in src.columns if coordinate_kind(c.name) == "longitude"), None)
    return (lat, lon) if lat and lon else None


def _label_column(src: Source, skip: tuple[str, ...]) -> str | None:
    for wanted in ("名称", "name", "施設名", "地区"):
        found = next(
            (c.name for c in src.columns if wanted in (c.name, c.label) and c.name not in skip), None
        )
        if found:
            return found
    return next((c.name for c in src.columns if c.name not in skip), None)


def has_points(src: Source, *, actor: Actor) -> bool:
    return _coordinates(src) is not None or (
        src.dataset is not None and geocode.can_geocode(src.dataset, actor=actor)
    )


def points(src: Source, *, actor: Actor) -> Points | None:
    """The source's rows as points (None: it has no coordinates and cannot be placed by address)."""
    pair = _coordinates(src)
    if pair is None:
        return _geocoded(src, actor=actor)
    lat, lon = (_quote(n) for n in pair)
    label = _label_column(src, pair)
    shown = f"CAST(q.{_quote(label)} AS VARCHAR)" if label else "''"
    counted = engine.run(
        f"SELECT count(*) AS n, count(*) FILTER (WHERE q.{lat} IS NULL OR q.{lon} IS NULL) AS missing "
        f"FROM ({src.sql}) AS q",
        actor=actor,
        purpose="map",
    )
    total, missing = (int(v or 0) for v in counted.rows[0])
    result = engine.run(
        f"SELECT CAST(q.{lat} AS DOUBLE), CAST(q.{lon} AS DOUBLE), {shown} FROM ({src.sql}) AS q "
        f"WHERE q.{lat} IS NOT NULL AND q.{lon} IS NOT NULL",
        actor=actor,
        row_limit=MAX_POINTS,
        purpose="map",
    )
    found = [(float(y), float(x), str(text or "")) for y, x, text in result.rows]
    return Points(found, total, missing, result.truncated)


def _geocoded(src: Source, *, actor: Actor) -> Points | None:
    if src.dataset is None:
        return None
    placed = geocode.geocode(src.dataset, actor=actor)
    if placed is None:
        return None
    rel = compile_relation(src.dataset, actor=actor)
    audit_read(src.dataset, rel.visible, "map", {"revision": rel.number}, actor=actor)
    label = _label_column(src, (placed.address.name,)) or placed.address.name
    table = placed.points.slice(0, MAX_POINTS)
    rows = zip(
        table.column("__lat").to_pylist(),
        table.column("__lon").to_pylist(),
        table.column(label).cast("string").to_pylist(),
        strict=True,
    )
    found = [(float(y), float(x), str(text or "")) for y, x, text in rows]
    return Points(
        found, placed.total, placed.unplaced, placed.points.num_rows > MAX_POINTS, placed.reference.title
    )


class MapRefused(engine.QueryRefused):
    pass


@dataclass
class District:
    name: str
    value: float | int | None
    on_map: bool
    level: int = 0
    """The colour class, 1 (lowest) … CLASSES; 0 without a value."""


@dataclass
class Choropleth:
    geojson: dict[str, Any]
    """The boundary's features, each with ``kaidan_value`` and ``kaidan_class`` properties added."""
    districts: list[District]
    """Every district of the boundary and every district value of the data, by name."""
    breaks: list[float]
    measure_label: str


def aggregate(
    src: Source, district: str, measure: str, value: str, *, actor: Actor
) -> dict[str, float | int]:
    """count(*) or sum(value) per district value of the source's rows (the engine's GROUP BY)."""
    if src.column(district) is None:
        raise MapRefused(
            Message(gettext_noop("the column “%(column)s” is not in this source"), column=district)
        )
    if measure == "sum":
        if src.column(value) is None:
            raise MapRefused(
                Message(gettext_noop("the column “%(column)s” is not in this source"), column=value)
            )
        expr = f"sum(q.{_quote(value)})"
    elif measure == "count":
        expr = "count(*)"
    else:
        raise MapRefused(Message(gettext_noop("unknown measure “%(measure)s”"), measure=measure))
    result = engine.run(
        f"SELECT q.{_quote(district)} AS district, {expr} AS measure FROM ({src.sql}) AS q GROUP BY 1",
        actor=actor,
        purpose="map",
    )
    totals: dict[str, float | int] = {}
    for name, number in result.rows:
        key = district_key(name)
        if key:
            plain = float(number) if isinstance(number, Decimal) else number
            totals[key] = totals.get(key, 0) + (plain or 0)
    return totals


def _breaks(values: list[float | int]) -> list[float]:
    """Equal-interval class limits between the smallest and largest value (CLASSES classes)."""
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high:
        return [float(high)]
    step = (high - low) / CLASSES
    return [low + step * i for i in range(1, CLASSES + 1)]


def _level(value: float | int | None, breaks: list[float]) -> int:
    if value is None or not breaks:
        return 0
    return next((i for i, limit in enumerate(breaks, start=1) if value <= limit + 1e-9), len(breaks))


def choropleth(
    src: Source, boundary: Boundary, district: str, measure: str, value: str, *, actor: Actor
) -> Choropleth:
    totals = aggregate(src, district, measure, value, actor=actor)
    geojson = boundary.geojson
    names = [district_key(f["properties"].get(boundary.key)) for f in geojson["features"]]
    breaks = _breaks([v for k, v in totals.items() if k in names])
    features = []
    for feature, name in zip(geojson["features"], names, strict=True):
        number = totals.get(name)
        properties = {
            **feature["properties"],
            "kaidan_district": name,
            "kaidan_value": number,
            "kaidan_class": _level(number, breaks),
        }
        features.append({**feature, "properties": properties})
    districts = [District(n, totals.get(n), True, _level(totals.get(n), breaks)) for n in names]
    districts += [District(k, v, False) for k, v in sorted(totals.items()) if k not in set(names)]
    column = src.column(value)
    label = str(Message(gettext_noop("rows"))) if measure == "count" else (column.label if column else value)
    return Choropleth({"type": "FeatureCollection", "features": features}, districts, breaks, label)
