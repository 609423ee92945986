"""Postal-code lookup from a dataset the ward holds (the residents' address fields fill the town in).

PROCEDURES_POSTAL_DATASET names a dataset of the master DB with a postal-code column and address columns
(住所, or 都道府県 / 市区町村 / 町域 as in Japan Post's KEN_ALL file). It is read through the one gate as the
visitor (so it must be 公開 for residents), with the grid's own filter; nothing else is read.
"""

from __future__ import annotations

from django.conf import settings
from django.http import QueryDict

from kaidan.access.actors import Actor
from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.selectors import grid_query, query_rows, relation
from kaidan.values.normalize import parse_postal_code
from kaidan.values.types import FieldType

DEFAULT_DATASET = "postal-codes"
ADDRESS_PARTS = ("都道府県", "市区町村", "町域", "住所")


def lookup(code: str, *, actor: Actor) -> str | None:
    """The address for a postal code ("東京都世田谷区池尻"), or None (unknown code, no dataset, not readable)."""
    try:
        postal = parse_postal_code(code)
    except ValueError:
        return None
    name = getattr(settings, "PROCEDURES_POSTAL_DATASET", DEFAULT_DATASET)
    dataset = Dataset.objects.filter(name=name).first() if name else None
    if dataset is None:
        return None
    visible = relation(dataset, actor=actor).visible
    if not visible:
        return None
    postal_field = next((f for f in visible if f.type == FieldType.POSTAL_CODE), None)
    parts: list[Field] = [f for label in ADDRESS_PARTS for f in visible if f.label == label]
    if postal_field is None or not parts:
        return None
    params = QueryDict(mutable=True)
    params[f"{postal_field.name}__exact"] = postal
    params["size"] = "1"
    page = query_rows(dataset, grid_query(dataset, params, actor=actor), actor=actor, purpose="view")
    if not page.rows:
        return None
    index = {c.field.pk: i for i, c in enumerate(page.columns)}
    values = page.rows[0].values
    return "".join(str(values[index[f.pk]] or "") for f in parts if f.pk in index) or None
