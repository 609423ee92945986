"""Points for rows that have an address but no coordinates, placed only from the ward's own address list.

The reference is a dataset of the master DB (KAIDAN_GEOCODE_DATASET, default ``town-coordinates``) with an
address column (住所, 所在地 or 町丁目) and latitude/longitude columns — typically one row per 町丁目
(池尻三丁目 → 35.65, 139.68). Nothing is sent to an outside service.

Both sides are read through the one gate as the same actor (the portal as the anonymous visitor, the
analysis map as the staff member), so a reference the actor may not read places nothing. Addresses are
compared in one form (kaidan.values.address: width, 丁目 forms, hyphen variants, 〒, the ward's own
prefecture and municipality names dropped), computed once per *distinct* address by Arrow string kernels
(kaidan.catalog.address_forms, Python only for the rare addresses that need it); the rows
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

from .address_forms import address_forms, empty_addresses, forms_and_blanks
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


def _renamed(grouped: pa.Table) -> pa.Table:
    """A group_by's answer with its aggregates named as their columns (``__lat_mean`` → ``__lat``)."""
    return grouped.rename_columns(
        [n.rsplit("_", 1)[0] if n.endswith(("_mean", "_max")) else n for n in grouped.column_names]
    )


def match(
    rows: pa.Table, column: str, reference: pa.Table, strip: tuple[str, ...] = ()
) -> tuple[pa.Table, int]:
    """The rows whose `column` (an address) the reference places, with ``__lat``/``__lon`` appended, in their
    order; and how many rows have no address. `reference` has the columns ``address``, ``lat``, ``lon``.

    Pure Arrow (bench/geocode_bench.py measures it): forms by Arrow kernels (kaidan.catalog.address_forms)
    once per distinct address on each side, then joins — the reference's forms to its coordinates (duplicates averaged), the rows' forms to those, the
    most specific form kept per address, and the rows to their address's point."""
    ref = pa.table(
        {
            "__value": reference.column("address").cast(pa.string()),
            "__lat": reference.column("lat").cast(pa.float64()),
            "__lon": reference.column("lon").cast(pa.float64()),
        }
    ).filter(pc.is_valid(pc.field("__lat")) & pc.is_valid(pc.field("__lon")))
    ref_forms = address_forms(ref.column("__value"), strip, keys=False).select(["__value", "__key"])
    points = _renamed(
        ref.join(ref_forms, "__value", join_type="inner")
        .group_by("__key")
        .aggregate([("__lat", "mean"), ("__lon", "mean")])
    )
    values = rows.column(column).cast(pa.string())
    forms, blanks = forms_and_blanks(values, strip)
    candidates = forms.join(points, "__key", join_type="inner")
    best = _renamed(candidates.group_by("__value").aggregate([("__level", "max")]))
    chosen = candidates.join(best, ["__value", "__level"], join_type="inner").select(
        ["__value", "__lat", "__lon"]
    )
    chosen = _renamed(chosen.group_by("__value").aggregate([("__lat", "mean"), ("__lon", "mean")]))
    numbered = rows.append_column("__row", pa.array(range(rows.num_rows), pa.int64())).append_column(
        "__value", values
    )
    placed = numbered.join(chosen, "__value", join_type="inner").sort_by("__row")
    return placed.drop_columns(["__row", "__value"]), empty_addresses(values, blanks)


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
    snap = arrow.snapshot(ref_rel)
    ref = pa.table(
        {
            "address": snap.column(ref_addr.name),
            "lat": snap.column(ref_lat.name),
            "lon": snap.column(ref_lon.name),
        }
    )
    points, no_address = match(rows, address.name, ref, _strip())
    return Placed(
        points=points,
        total=rows.num_rows,
        no_address=no_address,
        not_found=rows.num_rows - points.num_rows - no_address,
        reference=reference,
        address=address,
    )


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
