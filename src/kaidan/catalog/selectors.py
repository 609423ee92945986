"""Reads of the catalog, already filtered by what the actor may see (the only way views read datasets)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from kaidan.access.levels import Level
from kaidan.access.services import Rights, rights, visible_columns
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
    r = rights(actor, dataset)
    if not r.can_read:
        raise Http404(name)
    if not r.allows(operation):
        raise PermissionDenied(_("You do not have permission to do this."))
    return dataset


def visible_fields(actor: Any, dataset: Dataset, fields: Sequence[Field] | None = None) -> list[Field]:
    return visible_columns(actor, dataset, fields if fields is not None else dataset.live_fields())


@dataclass(frozen=True)
class VisibleRows:
    """What one actor sees of a dataset: the rights they were computed from, the fields, the rows."""

    rights: Rights
    fields: list[Field]
    rows: Iterator[list[Any]]


def iter_visible_rows(
    actor: Any, dataset: Dataset, *, as_of: int | None = None, purpose: str = "view"
) -> VisibleRows:
    """The fields the actor may see and their rows (row scopes applied). Reads of 秘 are audited."""
    number = as_of if as_of is not None else dataset.current_revision
    r = rights(actor, dataset)
    all_fields = store.fields_at(dataset, number)
    fields = r.visible(all_fields)
    scopes = r.row_filters
    if (
        any(f.classification == Level.RESTRICTED for f in fields)
        or dataset.classification == Level.RESTRICTED
    ):
        record(actor, f"store.read_restricted.{purpose}", dataset, detail={"revision": number})

    def rows() -> Iterator[list[Any]]:
        index = {f.pk: i for i, f in enumerate(all_fields)}
        for _row_id, values in store.iter_rows(dataset, all_fields, as_of=as_of):
            if scopes and not any(_matches(scope, all_fields, values) for scope in scopes):
                continue
            yield [values[index[f.pk]] for f in fields]

    return VisibleRows(r, fields, rows())


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
