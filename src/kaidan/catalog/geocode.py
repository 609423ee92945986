"""Points for rows that have an address but no coordinates, placed only from the ward's own address list.

The reference is a dataset of the master DB (KAIDAN_GEOCODE_DATASET, default ``town-coordinates``) with an
address column (住所, 所在地 or 町丁目) and latitude/longitude columns — typically one row per 町丁目
(池尻三丁目 → 35.65, 139.68). Nothing is sent to an outside service.

Both sides are read through the one gate as the same actor (the portal as the anonymous visitor, the
analysis map as the staff member), so a reference the actor may not read places nothing. Addresses are
compared in one form (kaidan.values.address: width, 丁目 forms, hyphen variants, 〒, the ward's own
prefecture and municipality names dropped), computed in Python once per *distinct* address; the rows
themselves are matched by Arrow joins (the target's address column against the forms, the forms against
the reference), never row by row. Each address takes the most specific form the reference has (池尻3-4-5,
then 池尻3-4, 池尻3, 池尻). The answer says how many rows were placed and how many could not be: without an
address, or with one the reference does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings

from kaidan.access.actors import Actor
from kaidan.store import arrow
from kaidan.store.relation import VisibleRelation, compile_relation
from kaidan.values.address import address_keys, normalize_address

from .models import Dataset, Field

DEFAULT_DATASET = "town-coordinates"
ADDRESS_LABELS = ("住所", "所在地", "町丁目", "町丁目名", "address")


def coordinate_fields(fields: list[Field]) -> tuple[Field, Field] | None:
    """The latitude and longitude columns, by type (or by the usual Japanese and English names)."""
    lat = next((f for f in fields if f.type == "latitude"), None) or next(
        (f for f in fields if f.label in ("緯度", "lat", "latitude")), None
    )
    lon = next((f for f in fields if f.type == "longitude"), None) or next(
        (f for f in fields if f.label in ("経度", "lon", "lng", "longitude")), None
    )
    return (lat, lon) if lat is not None and lon is not None else None


def address_field(fields: list[Field]) -> Field | None:
    """The address column, by its label (住所, 所在地, 町丁目 …, in that order)."""
    for label in ADDRESS_LABELS:
        found = next((f for f in fields if f.label.strip().casefold() == label), None)
        if found is not None:
            return found
    return None


def reference_dataset() -> Dataset | None:
    name = getattr(settings, "GEOCODE_DATASET", DEFAULT_DATASET)
    return Dataset.objects.filter(name=name).first() if name else None


@dataclass
class Placed:
    """Rows placed by their address: `points` holds the visible columns plus ``__lat``/``__lon``."""

    points: pa.Table
    total: int
    no_address: int
    not_found: int
    reference: Dataset
    address: Field

    @property
    def unplaced(self) -> int:
        return self.no_address + self.not_found


def _reference(*, actor: Actor) -> tuple[Dataset, VisibleRelation, Field, Field, Field] | None:
    reference = reference_dataset()
    if reference is None:
        return None
    rel = compile_relation(reference, actor=actor)
    if not rel.allowed:
        return None
    pair = coordinate_fields(rel.visible)
    addr = address_field(rel.visible)
    if pair is None or addr is None:
        return None
    return reference, rel, addr, pair[0], pair[1]


def can_geocode(dataset: Dataset, *, actor: Actor) -> bool:
    """The dataset shows this actor an address but no coordinates, and the actor may read a reference."""
    rel = compile_relation(dataset, actor=actor)
    if not rel.allowed or coordinate_fields(rel.visible) is not None or address_field(rel.visible) is None:
        return False
    found = _reference(actor=actor)
    return found is not None and found[0].pk != dataset.pk


def _strip() -> tuple[str, ...]:
    prefecture = getattr(settings, "PREFECTURE_NAME", "")
    municipality = getattr(settings, "MUNICIPALITY_NAME", "")
    return tuple(p for p in (prefecture, municipality) if p)


def _forms(values: pa.Array, *, keys: bool) -> pa.Table:
    """Each distinct address and its lookup forms (``__value``, ``__key``, ``__level``: higher is more
    specific), or (keys=False) its one normalized form: Python once per distinct value."""
    strip = _strip()
    out_value: list[str] = []
    out_key: list[str] = []
    out_level: list[int] = []
    for value in pc.unique(values.cast(pa.string())).drop_null().to_pylist():
        form = normalize_address(value, strip)
        found = address_keys(form) if keys else ([form] if form else [])
        for i, key in enumerate(found):
            out_value.append(value)
            out_key.append(key)
            out_level.append(len(found) - i)
    return pa.table(
        {
            "__value": pa.array(out_value, pa.string()),
            "__key": pa.array(out_key, pa.string()),
            "__level": pa.array(out_level, pa.int32()),
        }
    )


def _reference_table(rel: VisibleRelation, addr: Field, lat: Field, lon: Field) -> pa.Table:
    """The reference's forms with their coordinates (``__key``, ``__lat``, ``__lon``; duplicates averaged)."""
    snap = arrow.snapshot(rel)
    table = pa.table(
        {
            "__value": snap.column(addr.name).cast(pa.string()),
            "__lat": snap.column(lat.name).cast(pa.float64()),
            "__lon": snap.column(lon.name).cast(pa.float64()),
        }
    ).filter(pc.is_valid(pc.field("__lat")) & pc.is_valid(pc.field("__lon")))
    forms = _forms(table.column("__value"), keys=False).select(["__value", "__key"])
    joined = table.join(forms, "__value", join_type="inner")
    grouped = joined.group_by("__key").aggregate([("__lat", "mean"), ("__lon", "mean")])
    return _renamed(grouped).select(["__key", "__lat", "__lon"])


def _renamed(grouped: pa.Table) -> pa.Table:
    """A group_by's answer with its aggregates named as their columns (``__lat_mean`` → ``__lat``)."""
    return grouped.rename_columns(
        [n.rsplit("_", 1)[0] if n.endswith(("_mean", "_max")) else n for n in grouped.column_names]
    )


def geocode(dataset: Dataset, *, actor: Actor) -> Placed | None:
    """The actor's rows of `dataset` placed by address (None: no address column, or no readable reference)."""
    if not can_geocode(dataset, actor=actor):
        return None
    found = _reference(actor=actor)
    assert found is not None
    reference, ref_rel, ref_addr, ref_lat, ref_lon = found
    rel = compile_relation(dataset, actor=actor)
    address = address_field(rel.visible)
    assert address is not None
    rows = arrow.snapshot(rel)
    rows = rows.append_column("__row", pa.array(range(rows.num_rows), pa.int64()))
    values = rows.column(address.name).cast(pa.string())
    rows = rows.append_column("__value", values)
    # address → its most specific form the reference holds → coordinates
    candidates = _forms(values, keys=True).join(
        _reference_table(ref_rel, ref_addr, ref_lat, ref_lon), "__key", join_type="inner"
    )
    best = _renamed(candidates.group_by("__value").aggregate([("__level", "max")]))
    chosen = candidates.join(best, ["__value", "__level"], join_type="inner").select(
        ["__value", "__lat", "__lon"]
    )
    chosen = _renamed(chosen.group_by("__value").aggregate([("__lat", "mean"), ("__lon", "mean")]))
    placed = rows.join(chosen, "__value", join_type="inner").sort_by("__row")
    no_address = _empty_addresses(values)
    points = placed.drop_columns(["__row", "__value"])
    return Placed(
        points=points,
        total=rows.num_rows,
        no_address=no_address,
        not_found=rows.num_rows - points.num_rows - no_address,
        reference=reference,
        address=address,
    )


def _empty_addresses(values: pa.ChunkedArray) -> int:
    """Rows whose address is missing or has no comparable form (blank)."""
    strip = _strip()
    distinct = pc.unique(values).drop_null().to_pylist()
    empty = [v for v in distinct if not normalize_address(v, strip)]
    blank = pc.sum(pc.is_in(values, value_set=pa.array(empty, pa.string())).cast(pa.int64())).as_py() or 0
    return int(values.null_count + blank)


def feature_collection(placed: Placed, limit: int) -> dict[str, Any]:
    """The placed rows as GeoJSON points (properties by column label), at most `limit` of them."""
    from kaidan.store.values import to_json

    labels = {f.name: f.label for f in placed.address.dataset.live_fields()}
    features = []
    for row in placed.points.slice(0, limit).to_pylist():
        lat, lon = row.pop("__lat"), row.pop("__lon")
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {labels.get(k, k): to_json(v) for k, v in row.items()},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "placed": placed.points.num_rows,
        "unplaced": placed.unplaced,
        "reference": placed.reference.name,
    }
