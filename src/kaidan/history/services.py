"""Restoring a record or a whole dataset to an earlier revision.

A restore never rewrites history: it writes a *new* revision (source "restore") whose content equals
the chosen revision's, so the revisions in between stay readable, diffable and exportable. Deleted rows
come back as new rows with their old display order (`_ord`), so exports list them where they were.
Every restore is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from kaidan.access.actors import Actor
from kaidan.access.services import require, rights
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.selectors import audit_read
from kaidan.core.errors import NotFound
from kaidan.store.history import alive_created_after, iter_raw_changes, row_meta, stored_values, values_at
from kaidan.store.models import Revision
from kaidan.store.relation import Purpose, compile_relation
from kaidan.store.services import RevisionWriter, open_revision
from kaidan.values.messages import Message, gettext_noop

from .selectors import (
    Cell,
    Diff,
    _same,
    _visible_ids,
    diff,
    row_in_scope,
    schema_fields,
)


class RestoreRejected(ValueError):
    """The restore cannot be done as asked (message in Japanese / English)."""


def _check_number(dataset: Dataset, number: int) -> None:
    if not 1 <= number <= dataset.current_revision:
        raise RestoreRejected(
            Message(
                gettext_noop("no revision %(number)s (1..%(current_revision)s)"),
                number=number,
                current_revision=dataset.current_revision,
            ).bilingual()
        )


def _message(text: str, note: str) -> str:
    note = note.strip()
    return f"{text}\n{note}" if note else text


# ------------------------------------------------------------------------------------------------ record


@dataclass(frozen=True)
class RecordRestorePlan:
    row_id: int
    number: int
    alive: bool
    """True: the row exists now and its cells are updated; False: it was deleted and comes back."""
    cells: list[Cell]
    """The visible cells that will change (old = now, new = at the revision)."""
    hidden_cells: int
    """Cells of columns the actor may not see that are written too (only when a deleted row comes back)."""
    ord: int
    live: list[Field]
    now: list[Any] | None
    new: list[Any]


def plan_record_restore(dataset: Dataset, row_id: int, number: int, *, actor: Actor) -> RecordRestorePlan:
    """What restoring one row to revision `number` would change (404 when out of the actor's scope).

    Only the cells of columns the actor may see are changed in a row that exists now; a deleted row is
    re-inserted as it was at that revision (all its columns of the current schema). The cells shown are
    a read like any other: one of 秘 data is audited (`store.read_restricted.restore`, via audit_read).
    """
    _check_number(dataset, number)
    r = rights(dataset, actor=actor)
    rel = compile_relation(
        dataset, actor=actor, rights_=r, purpose=Purpose.EDIT if r.can_edit else Purpose.READ
    )
    meta = row_meta(dataset, row_id)
    if meta is None:
        raise NotFound(detail=f"row {row_id}")
    ord_, _created, deleted = meta
    live = dataset.live_fields()
    fields_n = schema_fields(dataset, number)
    then = values_at(dataset, fields_n, row_id, number)
    now = stored_values(dataset, live, row_id) if deleted is None else None
    in_scope_now = now is None or row_in_scope(rel, live, now)
    if then is not None and not row_in_scope(rel, fields_n, then) or not in_scope_now:
        raise NotFound(detail=f"row {row_id}")
    if then is None:
        if now is None and not rel.latest_in_scope(row_id):
            raise NotFound(detail=f"row {row_id}")
        raise RestoreRejected(
            Message(
                gettext_noop("row %(row_id)s did not exist at revision %(number)s"),
                row_id=row_id,
                number=number,
            ).bilingual()
        )
    current = {f.pk: f for f in dataset.fields.all()}
    visible = _visible_ids(r, current, fields_n, live)
    then_by = {f.pk: v for f, v in zip(fields_n, then, strict=True)}
    if now is not None:
        new = [
            then_by[f.pk] if f.pk in visible and f.pk in then_by else value
            for f, value in zip(live, now, strict=True)
        ]
        cells = [Cell(f, old, n) for f, old, n in zip(live, now, new, strict=True) if not _same(old, n)]
        hidden = 0
    else:
        new = [then_by.get(f.pk) for f in live]
        cells = [Cell(f, None, v) for f, v in zip(live, new, strict=True) if f.pk in visible]
        hidden = sum(1 for f, v in zip(live, new, strict=True) if f.pk not in visible and v is not None)
    audit_read(dataset, [c.field for c in cells], "restore", {"row": row_id, "revision": number}, actor=actor)
    return RecordRestorePlan(row_id, number, now is not None, cells, hidden, ord_, live, now, new)


def restore_record(
    dataset: Dataset, row_id: int, number: int, *, actor: Actor, note: str = ""
) -> tuple[Revision, int]:
    """Restore one row to its values at revision `number` as a new revision. Returns it and the row id.

    Needs the edit right. A row that was deleted since comes back under a new row id.
    """
    require("object.edit", dataset, actor=actor)
    with transaction.atomic():
        revision = open_revision(
            dataset,
            actor=actor,
            source=Revision.Source.RESTORE,
            message=_message(
                Message(
                    gettext_noop("row %(row_id)s restored to revision %(number)s"),
                    row_id=row_id,
                    number=number,
                ).bilingual(),
                note,
            ),
        )
        plan = plan_record_restore(dataset, row_id, number, actor=actor)
        if plan.alive and not plan.cells:
            raise RestoreRejected(
                Message(
                    gettext_noop("row %(row_id)s already has its values of revision %(number)s"),
                    row_id=row_id,
                    number=number,
                ).bilingual()
            )
        writer = RevisionWriter(dataset, revision, plan.live)
        if plan.alive:
            assert plan.now is not None
            writer.update(row_id, plan.now, plan.new)
            result_id = row_id
        else:
            result_id = writer.insert(plan.new, ord_=plan.ord)
        revision = writer.finish(schema_fields=plan.live)
        record(
            "store.row.restore",
            dataset,
            actor=actor,
            detail={
                "revision": revision.number,
                "restored_to": number,
                "row": row_id,
                "new_row": result_id,
                "columns": [c.field.name for c in plan.cells],
            },
        )
    return revision, result_id


# ------------------------------------------------------------------------------------------------ dataset


def plan_dataset_restore(dataset: Dataset, number: int, *, actor: Actor) -> Diff:
    """What restoring the dataset to revision `number` would change: the diff from now to `number`."""
    _check_number(dataset, number)
    return diff(dataset, dataset.current_revision, number, actor=actor, purpose="restore")


def restore_dataset(
    dataset: Dataset, number: int, *, actor: Actor, note: str = "", expected_revision: int | None = None
) -> Revision:
    """Make the dataset's schema and rows equal to revision `number`'s, as a new revision.

    Needs the manage right. `expected_revision` (the revision the user saw on the confirm page) guards
    against restoring over changes made meanwhile. Afterwards the current revision exports byte-identically
    to revision `number`.
    """
    require("object.manage", dataset, actor=actor)
    with transaction.atomic():
        revision = open_revision(
            dataset,
            actor=actor,
            source=Revision.Source.RESTORE,
            message=_message(
                Message(gettext_noop("restored to revision %(number)s"), number=number).bilingual(), note
            ),
        )
        current = revision.number - 1
        if expected_revision is not None and expected_revision != current:
            raise RestoreRejected(
                Message(
                    gettext_noop("revision %(current)s was made after you confirmed: check again"),
                    current=current,
                ).bilingual()
            )
        if not 1 <= number < current:
            raise RestoreRejected(
                Message(
                    gettext_noop("cannot restore to revision %(number)s (1..%(value)s)"),
                    number=number,
                    value=current - 1,
                ).bilingual()
            )
        fields_n = schema_fields(dataset, number)
        _restore_schema(dataset, fields_n)
        live = dataset.live_fields()
        to_delete = alive_created_after(dataset, number)
        writer = RevisionWriter(dataset, revision, live)
        for raw in iter_raw_changes(dataset, live, number, current):
            if raw.alive_lo and raw.alive_hi:
                old = [raw.hi[f.pk] for f in live]
                new = [raw.lo[f.pk] for f in live]
                writer.update(raw.row_id, old, new)
            elif raw.alive_lo:
                writer.insert([raw.lo[f.pk] for f in live], ord_=raw.ord)
        writer.delete(to_delete)
        revision = writer.finish(schema_fields=live)
        record(
            "store.revision.restore",
            dataset,
            actor=actor,
            detail={
                "revision": revision.number,
                "restored_to": number,
                "added": revision.added,
                "changed": revision.changed,
                "removed": revision.removed,
            },
        )
    return revision


def _restore_schema(dataset: Dataset, fields_n: list[Field]) -> None:
    """Labels, names, classification, units and order from the snapshot; other fields removed."""
    ids = [f.pk for f in fields_n]
    for position, f in enumerate(fields_n, start=1):
        Field.objects.filter(pk=f.pk).update(
            name=f.name,
            label=f.label,
            classification=f.classification,
            unit=f.unit,
            position=position,
            removed=False,
        )
    Field.objects.filter(dataset=dataset).exclude(pk__in=ids).update(removed=True)
    if dataset.key_field_id is not None and dataset.key_field_id not in ids:
        dataset.key_field = None
        dataset.save(update_fields=["key_field"])
