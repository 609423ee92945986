"""Other machine-readable forms of a published dataset: a Frictionless `datapackage.json` and GeoJSON.

Both read through the anonymous visitor's visible relation, like every open-data answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from kaidan.catalog.geocode import coordinate_fields as coordinate_fields  # re-exported for callers
from kaidan.catalog.models import Dataset, Field
from kaidan.store.relation import compile_relation
from kaidan.store.values import to_json

from . import catalog

FRICTIONLESS_TYPES = {
    "integer": "integer",
    "decimal": "number",
    "latitude": "number",
    "longitude": "number",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "boolean": "boolean",
}


def datapackage(dataset: Dataset, base_url: str) -> dict[str, Any]:
    """A tabular data package: the CSV export (UTF-8 with BOM) and its table schema."""
    rel = compile_relation(dataset, actor=None)
    package = catalog.package_dict(dataset, base_url)
    licence = package["license_id"]
    return {
        "profile": "tabular-data-package",
        "name": dataset.name,
        "id": package["id"],
        "title": dataset.title,
        "description": dataset.description,
        "version": str(dataset.current_revision),
        "created": package["metadata_created"],
        "homepage": package["url"],
        "licenses": [{"name": licence, "title": package["license_title"], "path": package["license_url"]}],
        "keywords": [t["name"] for t in package["tags"]],
        "resources": [
            {
                "name": dataset.name,
                "path": package["resources"][0]["url"],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": {"delimiter": ",", "header": True},
                "schema": {
                    # the export's header row is the columns' labels
                    "fields": [_schema_field(f) for f in rel.visible],
                },
            }
        ],
    }


def _schema_field(field: Field) -> dict[str, Any]:
    result: dict[str, Any] = {"name": field.label, "type": FRICTIONLESS_TYPES.get(field.type, "string")}
    if field.name != field.label:
        result["title"] = field.name
    if field.description:
        result["description"] = field.description
    if field.type == "boolean":
        result["trueValues"] = ["TRUE", "true", "True", "1", "はい", "有"]
        result["falseValues"] = ["FALSE", "false", "False", "0", "いいえ", "無"]
    return result


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value if not isinstance(value, str) else value.strip())
    except (TypeError, ValueError):
        return None


def geojson(dataset: Dataset) -> Iterator[bytes]:
    """A FeatureCollection of the rows with coordinates, streamed (bounded memory)."""
    rel = compile_relation(dataset, actor=None)
    pair = coordinate_fields(rel.visible)
    index = {f.pk: i for i, f in enumerate(rel.fields)}
    yield b'{"type":"FeatureCollection","name":' + json.dumps(dataset.name).encode() + b',"features":['
    first = True
    if pair is not None:
        lat, lon = pair
        for row_id, _rev, values in rel.rows():
            y, x = _number(values[index[lat.pk]]), _number(values[index[lon.pk]])
            if x is None or y is None:
                continue
            properties = {
                f.label: _plain(values[index[f.pk]]) for f in rel.visible if f.pk not in (lat.pk, lon.pk)
            }
            feature = {
                "type": "Feature",
                "id": row_id,
                "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": properties,
            }
            yield (b"" if first else b",") + json.dumps(feature, ensure_ascii=False).encode()
            first = False
    yield b"]}"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return to_json(value)
