"""Datasets with a history: imports, edits, schema changes and deletes, made the way the product makes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset, Field
from kaidan.ingest.services import plan_import, run_import
from kaidan.store import selectors, tables
from kaidan.store.models import Revision
from kaidan.store.services import RevisionWriter, open_revision

V1 = "番号,名称,地区,定員\n1,池尻小学校,池尻,300\n2,太子堂中学校,太子堂,1200\n3,三宿会館,三宿,50\n4,下馬集会所,下馬,80\n"


@pytest.fixture
def owner(make_org):
    return make_org("hokenfukushi")


@pytest.fixture
def write_csv(tmp_path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def do_import(db, owner):
    def run(
        path: Path,
        *,
        dataset: str = "shelters",
        actor: Any = SYSTEM,
        secret: tuple[str, ...] = (),
        **options: Any,
    ):
        options.setdefault("organization", owner.code)
        plan, _analysis = plan_import(path, dataset=dataset, **options)
        for column in plan.columns:
            if column.name in secret:
                column.classification = "restricted"
        return run_import(plan, actor=actor)

    return run


def rows_of(dataset: Dataset) -> dict[int, list[Any]]:
    live = dataset.live_fields()
    return dict(selectors.iter_rows(dataset, live))


def edit(
    dataset: Dataset,
    change: Callable[[RevisionWriter, dict[int, list[Any]]], None],
    *,
    actor: Any = SYSTEM,
    source: str = Revision.Source.EDIT,
) -> Revision:
    """One edit revision written with RevisionWriter (as the editing app does)."""
    with transaction.atomic():
        revision = open_revision(dataset, actor=actor, source=source, message="edit")
        live = dataset.live_fields()
        writer = RevisionWriter(dataset, revision, live)
        change(writer, rows_of(dataset))
        return writer.finish()


def set_cell(dataset: Dataset, row_id: int, name: str, value: Any, *, actor: Any = SYSTEM) -> Revision:
    live = dataset.live_fields()
    index = [f.name for f in live].index(name)

    def change(writer: RevisionWriter, rows: dict[int, list[Any]]) -> None:
        new = list(rows[row_id])
        new[index] = value
        writer.update(row_id, rows[row_id], new)

    return edit(dataset, change, actor=actor)


def delete_rows(dataset: Dataset, *row_ids: int) -> Revision:
    return edit(dataset, lambda writer, _rows: writer.delete(list(row_ids)))


def add_field(
    dataset: Dataset,
    name: str,
    label: str,
    *,
    type: str = "text",
    classification: str = "public",
    values: dict[int, Any] | None = None,
) -> Field:
    """A schema revision adding a column (optionally filling some rows)."""
    with transaction.atomic():
        position = max([f.position for f in dataset.fields.all()], default=0) + 1
        fld = Field.objects.create(
            dataset=dataset,
            position=position,
            name=name,
            label=label,
            type=type,
            classification=classification,
        )
        tables.add_column(dataset, fld)
        revision = open_revision(dataset, actor=SYSTEM, source=Revision.Source.SCHEMA, message=f"add {name}")
        live = dataset.live_fields()
        writer = RevisionWriter(dataset, revision, live)
        current = rows_of(dataset)
        for row_id, value in (values or {}).items():
            new = list(current[row_id])
            new[-1] = value
            writer.update(row_id, current[row_id], new)
        writer.finish()
    return fld


def change_schema(
    dataset: Dataset, *, remove: str | None = None, relabel: tuple[str, str] | None = None
) -> Revision:
    """A schema revision removing a column and/or relabeling one (machine name, new label)."""
    with transaction.atomic():
        if remove:
            Field.objects.filter(dataset=dataset, name=remove).update(removed=True)
        if relabel:
            Field.objects.filter(dataset=dataset, name=relabel[0]).update(label=relabel[1])
        revision = open_revision(dataset, actor=SYSTEM, source=Revision.Source.SCHEMA, message="schema")
        return RevisionWriter(dataset, revision, dataset.live_fields()).finish()


def field(dataset: Dataset, name: str) -> Field:
    return dataset.fields.get(name=name)
