"""District boundary files for choropleth maps: a GeoJSON FeatureCollection of Polygon or MultiPolygon
features, each naming its district in one property, checked whole before it is kept.

A refusal names what is wrong and where, in the reader's language: the feature (its number, counted from 1,
and its district name when it has one), the property, the value. Nothing of a refused file is kept.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.db import transaction

from kaidan.access.actors import Actor, account_of
from kaidan.audit.services import record
from kaidan.core.errors import DomainError, NotFound
from kaidan.values.messages import Message, gettext_noop

from .models import Boundary

MAX_BYTES = 5 * 1024 * 1024
MAX_FEATURES = 5000
GEOMETRIES = ("Polygon", "MultiPolygon")


class BoundaryRejected(DomainError):
    status = 400


def _refuse(msgid: str, **params: Any) -> BoundaryRejected:
    return BoundaryRejected(Message(msgid, **params))


def _feature_name(number: int, feature: Any, key: str) -> str:
    props = feature.get("properties") if isinstance(feature, dict) else None
    if isinstance(props, dict):
        for name in (key, "name", "名称", *(k for k, v in props.items() if isinstance(v, str))):
            if name and isinstance(props.get(name), str | int) and str(props[name]).strip():
                return f"{number} ({str(props[name]).strip()[:50]})"
    return str(number)


def _check_ring(ring: Any) -> bool:
    if not isinstance(ring, list) or len(ring) < 4:
        return False
    for position in ring:
        if not (isinstance(position, list) and len(position) >= 2):
            return False
        lon, lat = position[0], position[1]
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat)
        ):
            return False
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return False
    return True


def _check_geometry(geometry: Any) -> str | None:
    """The geometry's type when it is a well-formed Polygon or MultiPolygon, else None."""
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
        return None
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        return None
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon or not all(_check_ring(r) for r in polygon):
            return None
    return str(geometry["type"])


def district_key(value: Any) -> str:
    """The form a district name is joined by (a feature's property, a dataset's value): trimmed text, with
    whole numbers written without a decimal part (3.0 → 3)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _choose_key(features: list[dict[str, Any]]) -> str:
    """The first property every feature has, with a distinct non-empty value in each."""
    first = features[0].get("properties") or {}
    for name in first:
        values = [district_key((f.get("properties") or {}).get(name)) for f in features]
        if all(values) and len(set(values)) == len(values):
            return str(name)
    raise _refuse(
        gettext_noop(
            "no property names every feature's district once: give the property to join on "
            "(the first feature has: %(properties)s)"
        ),
        properties=", ".join(str(p) for p in first) or "—",
    )


def too_large(size: int) -> BoundaryRejected:
    return _refuse(
        gettext_noop("the boundary file is %(size)s MB; at most %(limit)s MB is accepted"),
        size=round(size / 1024 / 1024, 1),
        limit=MAX_BYTES // 1024 // 1024,
    )


def no_file() -> BoundaryRejected:
    return _refuse(gettext_noop("choose a GeoJSON file to upload"))


def validate(data: bytes, key: str = "") -> tuple[dict[str, Any], str]:
    """The parsed FeatureCollection and its district property, or BoundaryRejected saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise too_large(len(data))
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _refuse(gettext_noop("the boundary file is not UTF-8 text (GeoJSON is UTF-8)")) from None
    except json.JSONDecodeError as exc:
        raise _refuse(
            gettext_noop("the boundary file is not JSON: %(error)s at line %(line)s, column %(column)s"),
            error=exc.msg,
            line=exc.lineno,
            column=exc.colno,
        ) from None
    if not isinstance(parsed, dict) or parsed.get("type") != "FeatureCollection":
        found = parsed.get("type") if isinstance(parsed, dict) else type(parsed).__name__
        raise _refuse(
            gettext_noop("the boundary file must be a GeoJSON FeatureCollection, not %(found)s"),
            found=str(found),
        )
    features = parsed.get("features")
    if not isinstance(features, list) or not features:
        raise _refuse(gettext_noop("the FeatureCollection has no features"))
    if len(features) > MAX_FEATURES:
        raise _refuse(
            gettext_noop("the boundary file has %(count)s features; at most %(limit)s are accepted"),
            count=len(features),
            limit=MAX_FEATURES,
        )
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise _refuse(gettext_noop("feature %(feature)s is not a GeoJSON Feature"), feature=number)
        if not isinstance(feature.get("properties"), dict):
            raise _refuse(gettext_noop("feature %(feature)s has no properties"), feature=number)
        if _check_geometry(feature.get("geometry")) is None:
            geometry = feature.get("geometry")
            kind = geometry.get("type") if isinstance(geometry, dict) else None
            raise _refuse(
                gettext_noop(
                    "feature %(feature)s: the geometry must be a Polygon or MultiPolygon with closed rings of "
                    "longitude, latitude positions (found %(found)s)"
                ),
                feature=_feature_name(number, feature, key),
                found=str(kind or "none"),
            )
    key = key.strip() or _choose_key(features)
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        value = district_key(feature["properties"].get(key))
        if not value:
            raise _refuse(
                gettext_noop("feature %(feature)s has no value for the property “%(property)s”"),
                feature=_feature_name(number, feature, key),
                property=key,
            )
        if value in seen:
            raise _refuse(
                gettext_noop(
                    "features %(first)s and %(feature)s both have “%(value)s” as “%(property)s”: "
                    "each district must be named once"
                ),
                first=seen[value],
                feature=number,
                value=value,
                property=key,
            )
        seen[value] = number
    return parsed, key


def upload_boundary(data: bytes, *, title: str, key: str = "", actor: Actor) -> Boundary:
    """Validate and keep a boundary file for its author (audited)."""
    author = account_of(actor=actor)
    if author is None:
        raise BoundaryRejected(Message(gettext_noop("only a signed-in user may upload a boundary file")))
    parsed, key = validate(data, key)
    with transaction.atomic():
        boundary = Boundary.objects.create(
            title=title.strip()[:200] or key,
            key=key,
            geojson=parsed,
            features=len(parsed["features"]),
            created_by=author,
        )
        record(
            "analysis.boundary.upload",
            None,
            actor=actor,
            detail={"boundary": boundary.pk, "features": boundary.features, "key": key},
        )
    return boundary


def list_boundaries(*, actor: Actor) -> list[Boundary]:
    author = account_of(actor=actor)
    if author is None:
        return []
    return list(Boundary.objects.filter(created_by=author).defer("geojson"))


def get_boundary(pk: int, *, actor: Actor) -> Boundary:
    author = account_of(actor=actor)
    found = Boundary.objects.filter(pk=pk, created_by=author).first() if author is not None else None
    if found is None:
        raise NotFound(detail=f"boundary {pk}")
    return found
