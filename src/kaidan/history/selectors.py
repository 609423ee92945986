"""Reading a dataset's history: revisions, the diff between two revisions, one record's history.

Everything here is computed from the temporal master tables (kaidan.store): a row alive at revision N has
`_created_rev <= N` and no `_deleted_rev <= N`; its values at N are its stored values patched with the
`old` cells of the RowChanges after N. A diff therefore needs no snapshot of rows, only the rows written
after the older revision (`_rev > lo`) and their cell changes, read page by page in bounded memory.

What an actor gets is filtered like every other read (kaidan.catalog.selectors): only the columns within
their clearance — at both revisions *and* now, so a column that was ever hidden from them never shows a
value, old or new — and only the rows within their row scope. Reads that include 秘 are audited.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kaidan.access.actors import Actor
from kaidan.access.levels import Level
from kaidan.access.services import Rights
from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.selectors import audit_read
from kaidan.core.errors import NotFound
from kaidan.store.history import (
    iter_raw_changes,
    restored_twin,
    row_meta,
)
from kaidan.store.models import Revision, RowChange
from kaidan.store.relation import VisibleRelation, compile_relation
from kaidan.store.selectors import schema_at
from kaidan.store.values import from_json, to_json
from kaidan.values.messages import Message, gettext_noop

PAGE = 1000


# --------------------------------------------------------------------------------------------- revisions


def list_revisions(dataset: Dataset) -> Any:
    """The dataset's revisions, newest first (a queryset: the caller paginates)."""
    return Revision.objects.filter(dataset=dataset).select_related("author").order_by("-number")


def revision_at(dataset: Dataset, when: datetime) -> Revision | None:
    """The last revision created at or before `when`, or None when the dataset did not exist yet."""
    return (
        Revision.objects.filter(dataset=dataset, created_at__lte=when)
        .select_related("author")
        .order_by("-number")
        .first()
    )


def get_revision(dataset: Dataset, number: int) -> Revision:
    revision = Revision.objects.filter(dataset=dataset, number=number).select_related("author").first()
    if revision is None:
        raise NotFound(detail=f"revision {number}")
    return revision


def schema_fields(dataset: Dataset, number: int) -> list[Field]:
    """The fields at revision `number` from its snapshot (order, names, labels, classification, unit).

    Revision 0 is the empty dataset before its first revision. Unlike kaidan.store.selectors.fields_at
    this always reads the snapshot, also for the current revision.
    """
    if number <= 0:
        return []
    if not Revision.objects.filter(dataset=dataset, number=number).exists():
        raise NotFound(detail=f"revision {number}")
    by_id = {f.pk: f for f in dataset.fields.all()}
    result = []
    for spec in schema_at(dataset, number):
        current = by_id.get(spec["id"])
        if current is None:
            continue
        fld = copy.copy(current)
        fld.name = spec.get("name", fld.name)
        fld.label = spec.get("label", fld.label)
        fld.classification = spec.get("classification", fld.classification)
        fld.unit = spec.get("unit", fld.unit)
        result.append(fld)
    return result


# ------------------------------------------------------------------------------------------------ access


def row_in_scope(rel: VisibleRelation, fields: Sequence[Field], values: Sequence[Any]) -> bool:
    """Is a row (values in the order of `fields`, all fields, visible or not) within the actor's scope?"""
    return rel.contains(values, fields)


def _visible_ids(r: Rights, current: dict[int, Field], *sides: Sequence[Field]) -> set[int]:
    """Fields visible at every given side where they exist and by their current classification."""
    seen: dict[int, bool] = {}
    for side in sides:
        for f in side:
            ok = bool(r.visible([f])) and (f.pk not in current or bool(r.visible([current[f.pk]])))
            seen[f.pk] = seen.get(f.pk, True) and ok
    return {pk for pk, ok in seen.items() if ok}


# ------------------------------------------------------------------------------------------ raw changes


def _same(a: Any, b: Any) -> bool:
    return bool(to_json(a) == to_json(b))


# ------------------------------------------------------------------------------------------------- diff


class Change:
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class SchemaChange:
    kind: str  # added, removed, renamed, relabeled, retyped, reclassified
    label: str
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class Cell:
    field: Field
    old: Any
    new: Any


@dataclass(frozen=True)
class RowDiff:
    kind: str
    row_id: int
    key: Any
    cells: list[Cell]


@dataclass
class Diff:
    """What changed between revisions `a` (from) and `b` (to), as one actor may see it.

    `schema` is a list; `rows()` streams the row changes (added, removed, changed) ordered by row id and
    may be called more than once (each call reads the tables again).
    """

    actor: Actor
    dataset: Dataset
    a: int
    b: int
    rights: Rights
    relation: VisibleRelation
    fields_a: list[Field]
    fields_b: list[Field]
    visible_a: list[Field]
    visible_b: list[Field]
    common: list[Field]
    key_a: Field | None
    key_b: Field | None
    schema: list[SchemaChange] = field(default_factory=list)

    def rows(self) -> Iterator[RowDiff]:
        if self.a == self.b:
            return
        lo, hi = sorted((self.a, self.b))
        forward = self.a < self.b
        union = {f.pk: f for f in [*self.fields_a, *self.fields_b]}
        all_fields = list(union.values())
        for raw in iter_raw_changes(self.dataset, all_fields, lo, hi):
            alive_a, alive_b = (raw.alive_lo, raw.alive_hi) if forward else (raw.alive_hi, raw.alive_lo)
            va, vb = (raw.lo, raw.hi) if forward else (raw.hi, raw.lo)
            if not self._in_scope(all_fields, raw.latest):  # a row that left the scope stays out of it
                continue
            in_a = alive_a and self._in_scope(self.fields_a, va)
            in_b = alive_b and self._in_scope(self.fields_b, vb)
            if in_a and in_b:
                cells = [
                    Cell(f, va.get(f.pk), vb.get(f.pk))
                    for f in self.common
                    if not _same(va.get(f.pk), vb.get(f.pk))
                ]
                if cells:
                    yield RowDiff(Change.CHANGED, raw.row_id, self._key(self.key_b, vb), cells)
            elif in_b:
                cells = [Cell(f, None, vb.get(f.pk)) for f in self.visible_b]
                yield RowDiff(Change.ADDED, raw.row_id, self._key(self.key_b, vb), cells)
            elif in_a:
                cells = [Cell(f, va.get(f.pk), None) for f in self.visible_a]
                yield RowDiff(Change.REMOVED, raw.row_id, self._key(self.key_a, va), cells)

    def _in_scope(self, fields: list[Field], values: dict[int, Any]) -> bool:
        return row_in_scope(self.relation, fields, [values.get(f.pk) for f in fields])

    @staticmethod
    def _key(key: Field | None, values: dict[int, Any]) -> Any:
        return None if key is None else values.get(key.pk)

    def counts(self) -> dict[str, int]:
        result = {Change.ADDED: 0, Change.REMOVED: 0, Change.CHANGED: 0}
        for row in self.rows():
            result[row.kind] += 1
        return result


def diff(dataset: Dataset, a: int, b: int, *, actor: Actor, purpose: str = "diff") -> Diff:
    """The changes from revision `a` to revision `b` (either order; 0 is the empty dataset) for `actor`.

    The caller has checked that the actor may read the dataset (kaidan.catalog.selectors.get_dataset).
    """
    for number in (a, b):
        if not 0 <= number <= dataset.current_revision:
            raise ValueError(
                Message(
                    gettext_noop("no revision %(number)s (0..%(current_revision)s)"),
                    number=number,
                    current_revision=dataset.current_revision,
                ).bilingual()
            )
    rel = compile_relation(dataset, actor=actor)
    r = rel.rights
    current = {f.pk: f for f in dataset.fields.all()}
    fields_a = schema_fields(dataset, a)
    fields_b = schema_fields(dataset, b)
    ids_a = _visible_ids(r, current, fields_a)
    ids_b = _visible_ids(r, current, fields_b)
    both = _visible_ids(r, current, fields_a, fields_b)
    in_a = {f.pk for f in fields_a}
    visible_a = [f for f in fields_a if f.pk in ids_a]
    visible_b = [f for f in fields_b if f.pk in ids_b]
    common = [f for f in fields_b if f.pk in in_a and f.pk in both]
    key_id = dataset.key_field_id
    key_a = next((f for f in visible_a if f.pk == key_id), None)
    key_b = next((f for f in visible_b if f.pk == key_id), None)
    result = Diff(
        actor,
        dataset,
        a,
        b,
        r,
        rel,
        fields_a,
        fields_b,
        visible_a,
        visible_b,
        common,
        key_a,
        key_b,
        schema=schema_changes(fields_a, fields_b, ids_a | ids_b),
    )
    audit_read(dataset, [*visible_a, *visible_b], purpose, {"from": a, "to": b}, actor=actor)
    return result


def schema_changes(before: Sequence[Field], after: Sequence[Field], visible: set[int]) -> list[SchemaChange]:
    """Fields added, removed, renamed (machine name), relabeled, retyped and reclassified, by field id.

    A field removed and another added under the same machine name is reported as one retype (that is
    how a column's type changes: a new field and physical column replace the old one).
    """
    old = {f.pk: f for f in before if f.pk in visible}
    new = {f.pk: f for f in after if f.pk in visible}
    changes: list[SchemaChange] = []
    removed = [f for pk, f in old.items() if pk not in new]
    added = [f for pk, f in new.items() if pk not in old]
    for gone in list(removed):
        twin = next((f for f in added if f.name == gone.name and f.type != gone.type), None)
        if twin is not None:
            changes.append(
                SchemaChange("retyped", twin.label, gone.get_type_display(), twin.get_type_display())
            )
            removed.remove(gone)
            added.remove(twin)
    changes += [SchemaChange("added", f.label, "", f.get_type_display()) for f in added]
    changes += [SchemaChange("removed", f.label, f.get_type_display(), "") for f in removed]
    for pk, f in new.items():
        was = old.get(pk)
        if was is None:
            continue
        if was.name != f.name:
            changes.append(SchemaChange("renamed", f.label, was.name, f.name))
        if was.label != f.label:
            changes.append(SchemaChange("relabeled", f.label, was.label, f.label))
        if was.classification != f.classification:
            changes.append(
                SchemaChange(
                    "reclassified",
                    f.label,
                    str(Level(was.classification).label),
                    str(Level(f.classification).label),
                )
            )
    return changes


# ------------------------------------------------------------------------------------ one record's history


@dataclass(frozen=True)
class Event:
    kind: str  # created, changed, deleted, restored
    revision: Revision
    cells: list[Cell] = field(default_factory=list)
    other_row: int | None = None  # restored from / as this row id


@dataclass(frozen=True)
class RecordHistory:
    dataset: Dataset
    row_id: int
    alive: bool
    events: list[Event]
    hidden_fields: int


def check_row_scope(dataset: Dataset, row_id: int, r: Rights | None = None, *, actor: Actor) -> Rights:
    """404 unless the row exists and its latest values are within the actor's row scope."""
    rel = compile_relation(dataset, actor=actor, rights_=r)
    if not rel.latest_in_scope(row_id):
        raise NotFound(detail=f"row {row_id}")
    return rel.rights


def record_history(dataset: Dataset, row_id: int, *, actor: Actor) -> RecordHistory:
    """Who created, changed, deleted and restored one row, and which visible cells changed (404 if out of scope)."""
    r = check_row_scope(dataset, row_id, actor=actor)
    meta = row_meta(dataset, row_id)
    assert meta is not None
    ord_, created, deleted = meta
    current = {f.pk: f for f in dataset.fields.all()}
    changes = list(
        RowChange.objects.filter(revision__dataset=dataset, row_id=row_id)
        .select_related("revision__author")
        .order_by("revision__number", "pk")
    )
    numbers = {created, *(c.revision.number for c in changes)} | ({deleted} if deleted else set())
    revisions = {
        rev.number: rev
        for rev in Revision.objects.filter(dataset=dataset, number__in=numbers).select_related("author")
    }
    snapshots: dict[int, list[Field]] = {}

    def fields_of(number: int) -> list[Field]:
        if number not in snapshots:
            snapshots[number] = schema_fields(dataset, number)
        return snapshots[number]

    events: list[Event] = []
    origin = restored_twin(dataset, row_id, ord_, created, before=True)
    events.append(Event("restored" if origin else "created", revisions[created], other_row=origin))
    shown: dict[int, Field] = {}
    for change in changes:
        number = change.revision.number
        fields = fields_of(number)
        previous = fields_of(number - 1) if number > 1 else []
        visible = _visible_ids(r, current, fields, previous)
        cells = []
        for f in fields:
            if f.column in change.old or f.column in change.new:
                if f.pk not in visible:
                    continue
                cells.append(
                    Cell(
                        f,
                        from_json(change.old.get(f.column), f.type),
                        from_json(change.new.get(f.column), f.type),
                    )
                )
        shown.update({c.field.pk: c.field for c in cells})
        events.append(Event("changed", change.revision, cells))
    if deleted is not None:
        successor = restored_twin(dataset, row_id, ord_, deleted, before=False)
        events.append(Event("deleted", revisions[deleted], other_row=successor))
    visible_now = r.visible(dataset.live_fields())
    audit_read(dataset, [*visible_now, *shown.values()], "history", {"row": row_id}, actor=actor)
    hidden = len(dataset.live_fields()) - len(visible_now)
    return RecordHistory(dataset, row_id, deleted is None, events, hidden)
