"""Reads of the catalog, already filtered by what the actor may see (the only way views read datasets)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kaidan.access.levels import Level
from kaidan.access.services import require, rights, visible_columns
from kaidan.audit.services import record
from kaidan.store import selectors as store

from .models import Dataset, Field


def list_datasets(actor: Any) -> list[Dataset]:
    """Datasets the actor may see (at least one column and the dataset itself)."""
    datasets = Dataset.objects.select_related("owner").prefetch_related("tags")
    return [d for d in datasets if rights(actor, d).can_read]


def get_dataset(actor: Any, name: str, operation: str = "object.view") -> Dataset:
    """The dataset, or 404 when it does not exist *or* the actor may not see it (no existence leak)."""
    dataset = Dataset.objects.select_related("owner").filter(name=name).first()
    if dataset is None:
        raise Http404(name)
    try:
        require(actor, operation, dataset)
    except PermissionDenied:
        if rights(actor, dataset).can_read:
            raise
        raise Http404(name) from None
    return dataset


def visible_fields(actor: Any, dataset: Dataset, fields: Sequence[Field] | None = None) -> list[Field]:
    return visible_columns(actor, dataset, fields if fields is not None else dataset.live_fields())


def iter_visible_rows(
    actor: Any, dataset: Dataset, *, as_of: int | None = None, purpose: str = "view"
) -> tuple[list[Field], Iterator[list[Any]]]:
    """The fields the actor may see and their rows (row scopes applied). Reads of 秘 are audited."""
    number = as_of if as_of is not None else dataset.current_revision
    fields = visible_fields(actor, dataset, store.fields_at(dataset, number))
    scopes = rights(actor, dataset).row_filters
    if (
        any(f.classification == Level.RESTRICTED for f in fields)
        or dataset.classification == Level.RESTRICTED
    ):
        record(actor, f"store.read_restricted.{purpose}", dataset, detail={"revision": number})
    all_fields = store.fields_at(dataset, number)

    def rows() -> Iterator[list[Any]]:
        index = {f.pk: i for i, f in enumerate(all_fields)}
        for _row_id, values in store.iter_rows(dataset, all_fields, as_of=as_of):
            if scopes and not any(_matches(scope, all_fields, values) for scope in scopes):
                continue
            yield [values[index[f.pk]] for f in fields]

    return fields, rows()


def _matches(scope: Sequence[dict[str, Any]], fields: Sequence[Field], values: Sequence[Any]) -> bool:
    """True when the row satisfies every condition of one row scope."""
    by_name = {f.name: i for i, f in enumerate(fields)} | {f.label: i for i, f in enumerate(fields)}
    for cond in scope:
        index = by_name.get(cond.get("field", ""))
        if index is None:
            return False
        value = values[index]
        expected = cond.get("value")
        op = cond.get("op", "eq")
        if op == "in" and (value is None or str(value) not in [str(v) for v in expected or []]):
            return False
        if op == "eq" and str(value) != str(expected):
            return False
    return True
