"""Reading master tables: the current rows or the rows as of any revision.

These functions take the fields to read; which fields and rows an actor may see is decided by
kaidan.access before calling them (see kaidan.catalog.selectors).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection

from kaidan.catalog.models import Dataset, Field

from . import tables
from .models import Revision, RowChange
from .values import from_db, from_json

PAGE = 5000


def fields_at(dataset: Dataset, number: int) -> list[Field]:
    """The dataset's fields as they were at revision `number` (labels from that revision's snapshot)."""
    if number >= dataset.current_revision:
        return dataset.live_fields()
    revision = Revision.objects.get(dataset=dataset, number=number)
    by_id = {f.pk: f for f in dataset.fields.all()}
    result = []
    for spec in revision.schema:
        field = copy.copy(by_id[spec["id"]])
        field.label = spec["label"]
        field.name = spec["name"]
        field.classification = spec.get("classification", field.classification)
        result.append(field)
    return result


def _alive_at(number: int | None) -> tuple[str, list[Any]]:
    if number is None:
        return tables.ALIVE, []
    return "_created_rev <= %s AND (_deleted_rev IS NULL OR _deleted_rev > %s)", [number, number]


def patches_after(dataset: Dataset, number: int) -> dict[int, dict[str, Any]]:
    """For rows changed after revision `number`: {row id: {column: value at `number`}}."""
    patches: dict[int, dict[str, Any]] = {}
    changes = (
        RowChange.objects.filter(revision__dataset=dataset, revision__number__gt=number)
        .order_by("-revision__number")
        .values_list("row_id", "old")
    )
    for row_id, old in changes.iterator(chunk_size=5000):
        patches.setdefault(row_id, {}).update(old)
    return patches


def iter_rows(
    dataset: Dataset,
    fields: Sequence[Field],
    *,
    as_of: int | None = None,
    where: str = "",
    params: Sequence[Any] = (),
) -> Iterator[tuple[int, list[Any]]]:
    """Yield (row id, values in field order) in display order, in bounded memory (keyset pages)."""
    if as_of is not None and as_of >= dataset.current_revision:
        as_of = None
    alive, alive_params = _alive_at(as_of)
    patches = patches_after(dataset, as_of) if as_of is not None else {}
    cols = "".join(f", {tables.q(f.column)}" for f in fields)
    table = tables.q(dataset.table_name)
    extra = f" AND ({where})" if where else ""
    last: tuple[int, int] | None = None
    with connection.cursor() as cursor:
        while True:
            after = " AND (_ord > %s OR (_ord = %s AND _id > %s))" if last else ""
            after_params = [last[0], last[0], last[1]] if last else []
            cursor.execute(
                f"SELECT _id, _ord{cols} FROM {table} WHERE {alive}{extra}{after} ORDER BY _ord, _id LIMIT {PAGE}",
                [*alive_params, *params, *after_params],
            )
            rows = cursor.fetchall()
            for row in rows:
                row_id = int(row[0])
                patch = patches.get(row_id)
                values = []
                for field, value in zip(fields, row[2:], strict=True):
                    if patch is not None and field.column in patch:
                        values.append(from_json(patch[field.column], field.type))
                    else:
                        values.append(from_db(value, field.type))
                yield row_id, values
            if len(rows) < PAGE:
                return
            last = (int(rows[-1][1]), int(rows[-1][0]))


def count_rows(
    dataset: Dataset, *, as_of: int | None = None, where: str = "", params: Sequence[Any] = ()
) -> int:
    alive, alive_params = _alive_at(as_of)
    extra = f" AND ({where})" if where else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {tables.q(dataset.table_name)} WHERE {alive}{extra}",
            [*alive_params, *params],
        )
        return int(cursor.fetchone()[0])
