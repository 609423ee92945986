"""Editing the master DB: records (edit, add, delete, bulk edit) and the schema, without lost updates.

Every web path (record page, grid cell, bulk edit, schema page) calls these functions; they decide
authorization through kaidan.access (`rights` on the dataset) and write through kaidan.store:
one save is one new Revision, inside one transaction, audited.

No lost updates: each row carries `_rev` (the revision that last wrote it). An edit says which `_rev`
the user saw (`expected_rev`); when the row has changed since, the edit is refused with `StaleRecord`,
which carries the current values and who changed them, and nothing is written. The check runs after
`open_revision` has locked the dataset, so two saves can never both pass it.

User text is parsed with the importer's converters (kaidan.values.types.convert): 和暦 dates, 全角
digits, "1,234", "△100" and the empty markers all work the same as in an import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction

from kaidan.access.actors import Actor
from kaidan.access.levels import Level, RestrictionReason
from kaidan.access.services import Rights, rights
from kaidan.audit.services import record
from kaidan.catalog import selectors as catalog
from kaidan.catalog.models import Dataset, Field, FieldType
from kaidan.core.errors import Forbidden, NotFound
from kaidan.store import selectors as store_selectors
from kaidan.store import tables
from kaidan.store.history import deleted_rev
from kaidan.store.models import Revision
from kaidan.store.relation import Purpose, VisibleRelation, compile_relation
from kaidan.store.services import RevisionWriter, open_revision, read_alive_by
from kaidan.store.values import row_hash, to_db, to_json
from kaidan.values.messages import Message, MessageList, gettext_noop, reason_of
from kaidan.values.types import convert, type_name

MAX_LISTED = 20
NAME_RE = re.compile(r"[^\W_][\w\-]{0,99}")
"""Machine names: letters (any script), digits, "_" and "-", no spaces, not starting with "_" or "-"."""


# ---------------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class Problem:
    """One message (a gettext Message, shown in the reader's language), optionally about one field."""

    message: Message
    field: str = ""
    row: int | None = None
    """The row the problem is about (a pasted block names its cells: row and field)."""

    @property
    def ja(self) -> str:
        return self.message.ja

    @property
    def en(self) -> str:
        return self.message.en

    def __str__(self) -> str:
        return self.message.bilingual()


class EditRejected(Exception):
    """The change was refused; nothing was written. `problems` say why, in Japanese and English."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, message: Message, field: str = "") -> EditRejected:
        return cls([Problem(message, field)])

    def by_field(self) -> dict[str, list[Problem]]:
        result: dict[str, list[Problem]] = {}
        for problem in self.problems:
            result.setdefault(problem.field, []).append(problem)
        return result


class InvalidValues(EditRejected):
    """Some values do not fit their column (or break the key or the actor's row scope)."""


@dataclass
class StaleRecord(Exception):
    """Someone saved the row after the user loaded it: the user's save was refused, nothing written."""

    row_id: int
    rev: int
    fields: list[Field]
    values: list[Any]
    changed_by: str
    changed_at: datetime | None
    revision: Revision | None = None
    deleted: bool = False
    current: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.current = {f.name: v for f, v in zip(self.fields, self.values, strict=True)}
        super().__init__(self.describe())

    def describe(self) -> str:
        return self.message().bilingual()

    def message(self) -> Message:
        who = self.changed_by or "?"
        if self.deleted:
            return Message(
                gettext_noop(
                    "row %(row_id)s was deleted by %(who)s (revision %(rev)s); your changes were not saved"
                ),
                row_id=self.row_id,
                who=who,
                rev=self.rev,
            )
        return Message(
            gettext_noop("row %(row_id)s was changed by %(who)s (revision %(rev)s)"),
            row_id=self.row_id,
            who=who,
            rev=self.rev,
        )


class AddedRecord(NamedTuple):
    revision: Revision
    row_id: int


# ---------------------------------------------------------------------------------------------------
# Helpers


def _require(dataset: Dataset, manage: bool = False, *, actor: Actor) -> Rights:
    r = rights(dataset, actor=actor)
    if not r.can_read:
        raise NotFound(detail=dataset.name)
    if not (r.can_manage if manage else r.can_edit):
        raise Forbidden()
    return r


def _author_name(user: Any) -> str:
    if user is None:
        return ""
    display = getattr(user, "display_name", "")
    return str(display or user.get_username())


def parse_value(fld: Field, text: str | None) -> Any:
    """The user's text as a value of the field's type (None for empty); InvalidValues when it does not fit."""
    if text is None:
        return None
    try:
        return convert(text, fld.type)
    except (ValueError, ArithmeticError) as exc:
        raise InvalidValues.one(
            Message(
                gettext_noop("Column '%(label)s': '%(text)s' is not a valid %(type)s (%(reason)s)"),
                label=fld.label,
                text=text,
                type=type_name(fld.type),
                reason=reason_of(exc),
            ),
            fld.name,
        ) from None


def _parse_changes(
    fields: Sequence[Field], changes: Mapping[str, str | None]
) -> tuple[dict[int, Any], list[Problem]]:
    """{field pk: typed value} for the changes, and the problems found (all of them, not just the first)."""
    by_name = {f.name: f for f in fields}
    parsed: dict[int, Any] = {}
    problems: list[Problem] = []
    for name, text in changes.items():
        fld = by_name.get(name)
        if fld is None:
            problems.append(
                Problem(
                    Message(gettext_noop("there is no column '%(name)s' you may edit"), name=name),
                    name,
                )
            )
            continue
        try:
            parsed[fld.pk] = parse_value(fld, text)
        except InvalidValues as exc:
            problems.extend(exc.problems)
    return parsed, problems


def _read_row(dataset: Dataset, fields: Sequence[Field], row_id: int) -> tuple[int, list[Any]] | None:
    """(_rev, values of `fields`) of an alive row, read under the dataset lock; None when absent."""
    for _row_id, rev, values in store_selectors.iter_rows_with_rev(
        dataset, fields, where="_id = %s", params=[row_id]
    ):
        return rev, values
    return None


def _lock(dataset: Dataset) -> None:
    """Serialize writers of this dataset (open_revision locks it again, which is harmless)."""
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    dataset.current_revision = locked.current_revision


def _editable(dataset: Dataset, *, actor: Actor) -> VisibleRelation:
    """The rows and columns the actor may change (the edit form of the one visible relation)."""
    return compile_relation(dataset, actor=actor, purpose=Purpose.EDIT)


def _in_scope(rel: VisibleRelation, fields: Sequence[Field], values: Sequence[Any]) -> bool:
    """Does a row with these values (all live fields) fall within the rows the actor may change?"""
    return rel.contains(values, fields)


def _scope_problem() -> Problem:
    return Problem(
        Message(gettext_noop("this change would move the row outside the rows your organization may edit")),
    )


def _stale(dataset: Dataset, r: Rights, row_id: int, rev: int | None, *, actor: Actor) -> StaleRecord:
    """Describe the current state of a row someone else changed (visible fields only)."""
    rel = catalog.relation(dataset, actor=actor)
    fields = rel.visible
    values: list[Any] = []
    deleted = rev is None
    if rev is None:
        rev = deleted_rev(dataset, row_id) or dataset.current_revision
        fields = []
    else:
        found = rel.row(row_id)
        index = {f.pk: i for i, f in enumerate(rel.fields)}
        values = [found[1][index[f.pk]] for f in fields] if found else [None] * len(fields)
        if found:  # the conflict page shows the row's current values: a read like any other
            catalog.audit_read(dataset, fields, "stale", {"row": row_id}, actor=actor)
    revision = Revision.objects.filter(dataset=dataset, number=rev).select_related("author").first()
    return StaleRecord(
        row_id=row_id,
        rev=rev,
        fields=fields,
        values=values,
        changed_by=_author_name(revision.author) if revision else "",
        changed_at=revision.created_at if revision else None,
        revision=revision,
        deleted=deleted,
    )


def _check_key(
    dataset: Dataset, fields: Sequence[Field], values: Sequence[Any], row_id: int | None, *, actor: Actor
) -> list[Problem]:
    """The key must be filled and unique. A clash names the other row only when the actor may see it."""
    key = dataset.key_field
    if key is None or key.removed:
        return []
    index = next((i for i, f in enumerate(fields) if f.pk == key.pk), None)
    if index is None:
        return []
    value = values[index]
    if value is None:
        return [
            Problem(
                Message(gettext_noop("the key column '%(label)s' cannot be empty"), label=key.label),
                key.name,
            )
        ]
    found = read_alive_by(dataset, [key], key, [value])
    other = found.get(to_json(value))
    if other is not None and other[0] != row_id:
        shown = to_json(value)
        if catalog.relation(dataset, actor=actor).row(other[0]) is not None:
            return [
                Problem(
                    Message(
                        gettext_noop("the key column '%(label)s' already has '%(shown)s' (row %(other)s)"),
                        label=key.label,
                        shown=shown,
                        other=other[0],
                    ),
                    key.name,
                )
            ]
        return [
            Problem(
                Message(
                    gettext_noop(
                        "the key column '%(label)s' already has '%(shown)s' in a row you cannot see"
                    ),
                    label=key.label,
                    shown=shown,
                ),
                key.name,
            )
        ]
    return []


def _visible_row(dataset: Dataset, r: Rights, row_id: int, *, actor: Actor) -> Any:
    """The row as the actor sees it; NotFound when absent or outside the actor's row scope.

    A row deleted since the user loaded it (and which the actor could see before) is a StaleRecord.
    """
    row = catalog.get_row(dataset, row_id, actor=actor)
    if row is not None:
        if _editable(dataset, actor=actor).row(row_id) is None:
            raise EditRejected.one(Message(gettext_noop("you may not change this row")))
        return row
    deleted = deleted_rev(dataset, row_id)
    if deleted is not None and catalog.get_row(dataset, row_id, actor=actor, as_of=deleted - 1) is not None:
        raise _stale(dataset, r, row_id, None, actor=actor)
    raise NotFound(detail=f"{dataset.name} row {row_id}")


# ---------------------------------------------------------------------------------------------------
# Records


def edit_record(
    dataset: Dataset,
    row_id: int,
    changes: Mapping[str, str | None],
    expected_rev: int,
    message: str = "",
    *,
    actor: Actor,
) -> Revision:
    """Save the user's changes to one row as a new revision, unless someone else saved it first.

    `changes` maps field machine names to the user's text ("" → empty). Raises NotFound (row absent or
    outside the actor's scope), Forbidden, InvalidValues or StaleRecord; nothing is written then.
    """
    r = _require(dataset, actor=actor)
    visible = r.visible(dataset.live_fields())
    parsed, problems = _parse_changes(visible, changes)
    with transaction.atomic():
        _lock(dataset)
        _visible_row(dataset, r, row_id, actor=actor)
        fields = dataset.live_fields()
        current = _read_row(dataset, fields, row_id)
        if current is None or current[0] != expected_rev:
            raise _stale(dataset, r, row_id, current[0] if current else None, actor=actor)
        if problems:
            raise InvalidValues(problems)
        old = current[1]
        new = [parsed.get(f.pk, v) for f, v in zip(fields, old, strict=True)]
        if [to_json(v) for v in old] == [to_json(v) for v in new]:
            # Nothing to change: no empty revision; the answer is the revision that last wrote the row.
            return Revision.objects.get(dataset=dataset, number=current[0])
        problems = _check_key(dataset, fields, new, row_id, actor=actor)
        if not _in_scope(_editable(dataset, actor=actor), fields, new):
            problems.append(_scope_problem())
        if problems:
            raise InvalidValues(problems)
        revision = open_revision(dataset, actor=actor, source=Revision.Source.EDIT, message=message)
        writer = RevisionWriter(dataset, revision, fields)
        writer.update(row_id, old, new)
        revision = writer.finish()
        changed = [f.name for f, a, b in zip(fields, old, new, strict=True) if to_json(a) != to_json(b)]
        record(
            "store.revision.edit",
            dataset,
            actor=actor,
            detail={"revision": revision.number, "row": row_id, "columns": changed},
        )
    return revision


def add_record(
    dataset: Dataset, values: Mapping[str, str | None], message: str = "", *, actor: Actor
) -> AddedRecord:
    """Add one row (columns not given, or hidden from the actor, stay empty)."""
    r = _require(dataset, actor=actor)
    visible = r.visible(dataset.live_fields())
    parsed, problems = _parse_changes(visible, values)
    if problems:
        raise InvalidValues(problems)
    with transaction.atomic():
        _lock(dataset)
        fields = dataset.live_fields()
        new = [parsed.get(f.pk) for f in fields]
        problems = _check_key(dataset, fields, new, None, actor=actor)
        if not _in_scope(_editable(dataset, actor=actor), fields, new):
            problems.append(_scope_problem())
        if problems:
            raise InvalidValues(problems)
        revision = open_revision(dataset, actor=actor, source=Revision.Source.EDIT, message=message)
        writer = RevisionWriter(dataset, revision, fields)
        row_id = writer.insert(new)
        revision = writer.finish()
        record(
            "store.revision.add", dataset, actor=actor, detail={"revision": revision.number, "row": row_id}
        )
    return AddedRecord(revision, row_id)


def delete_records(
    dataset: Dataset, expected: Mapping[int, int], message: str = "", *, actor: Actor
) -> Revision:
    """Delete rows, each only if it is still at the revision the user saw ({row id: expected rev})."""
    r = _require(dataset, actor=actor)
    if not expected:
        raise EditRejected.one(Message(gettext_noop("no rows were chosen for deletion")))
    with transaction.atomic():
        _lock(dataset)
        for row_id, rev in expected.items():
            _visible_row(dataset, r, row_id, actor=actor)
            current = _read_row(dataset, [], row_id)
            if current is None or current[0] != rev:
                raise _stale(dataset, r, row_id, current[0] if current else None, actor=actor)
        revision = open_revision(dataset, actor=actor, source=Revision.Source.EDIT, message=message)
        writer = RevisionWriter(dataset, revision, dataset.live_fields())
        writer.delete(sorted(expected))
        revision = writer.finish()
        record(
            "store.revision.delete",
            dataset,
            actor=actor,
            detail={"revision": revision.number, "rows": sorted(expected)},
        )
    return revision


@dataclass(frozen=True)
class PastedBlock:
    """What paste_block wrote: the revision (None when nothing changed), each row's new rev, and the
    previous values as input text ({row id: {field name: text}}) — enough to undo it with paste_block."""

    revision: Revision | None
    revs: dict[int, int]
    previous: dict[int, dict[str, str]]
    cells: int


class StaleBlock(EditRejected):
    """Some rows of a pasted block were changed by someone else since the user loaded them."""

    def __init__(self, problems: Sequence[Problem], stale: Sequence[StaleRecord]) -> None:
        super().__init__(problems)
        self.stale = list(stale)


def paste_block(
    dataset: Dataset,
    changes: Mapping[int, Mapping[str, str | None]],
    expected: Mapping[int, int],
    message: str = "",
    *,
    actor: Actor,
) -> PastedBlock:
    """Save a block of cells (a paste from Excel, a fill down, an undo) as ONE revision, or nothing.

    `changes` maps row ids to {field machine name: the user's text}; `expected` gives the rev each row
    had when the user saw it. Every row is checked like edit_record checks one: it must be visible
    (NotFound otherwise), within the actor's EDIT relation and unchanged since; every value must fit its
    column, keep the key unique and the row within the actor's scope. Any problem refuses the whole
    block, naming the cells (Problem.row and Problem.field): InvalidValues, or StaleBlock when rows
    were changed meanwhile. Nothing is written then.
    """
    r = _require(dataset, actor=actor)
    if not changes:
        raise EditRejected.one(Message(gettext_noop("there are no values to paste")))
    visible = r.visible(dataset.live_fields())
    parsed: dict[int, dict[int, Any]] = {}
    problems: list[Problem] = []
    for row_id, cells in changes.items():
        values, found = _parse_changes(visible, cells)
        parsed[row_id] = values
        problems.extend(replace(p, row=row_id) for p in found)
    with transaction.atomic():
        _lock(dataset)
        editable = _editable(dataset, actor=actor)
        fields = dataset.live_fields()
        stale: list[StaleRecord] = []
        old_rows: dict[int, list[Any]] = {}
        for row_id in sorted(changes):
            if catalog.get_row(dataset, row_id, actor=actor) is None:
                deleted = deleted_rev(dataset, row_id)
                if (
                    deleted is not None
                    and catalog.get_row(dataset, row_id, actor=actor, as_of=deleted - 1) is not None
                ):
                    stale.append(_stale(dataset, r, row_id, None, actor=actor))
                    continue
                raise NotFound(detail=f"{dataset.name} row {row_id}")
            if editable.row(row_id) is None:
                problems.append(
                    Problem(
                        Message(gettext_noop("row %(row_id)s: you may not change this row"), row_id=row_id),
                        row=row_id,
                    )
                )
                continue
            current = _read_row(dataset, fields, row_id)
            if current is None or current[0] != expected.get(row_id):
                stale.append(_stale(dataset, r, row_id, current[0] if current else None, actor=actor))
                continue
            old_rows[row_id] = current[1]
        if stale:
            raise StaleBlock(
                [Problem(s.message(), row=s.row_id) for s in stale],
                stale,
            )
        if problems:
            raise InvalidValues(problems)
        new_rows: dict[int, list[Any]] = {}
        for row_id, old in old_rows.items():
            new = [parsed[row_id].get(f.pk, v) for f, v in zip(fields, old, strict=True)]
            if [to_json(v) for v in old] != [to_json(v) for v in new]:
                new_rows[row_id] = new
        problems = _check_block_keys(dataset, fields, new_rows, actor=actor)
        for row_id, new in new_rows.items():
            if not _in_scope(editable, fields, new):
                problems.append(replace(_scope_problem(), row=row_id))
        if problems:
            raise InvalidValues(problems)
        previous = {
            row_id: {
                f.name: text_for_input(a)
                for f, a, b in zip(fields, old_rows[row_id], new, strict=True)
                if to_json(a) != to_json(b)
            }
            for row_id, new in new_rows.items()
        }
        if not new_rows:
            return PastedBlock(None, {row_id: expected[row_id] for row_id in old_rows}, {}, 0)
        revision = open_revision(dataset, actor=actor, source=Revision.Source.EDIT, message=message)
        writer = RevisionWriter(dataset, revision, fields)
        for row_id in sorted(new_rows):
            writer.update(row_id, old_rows[row_id], new_rows[row_id])
        revision = writer.finish()
        columns = sorted({name for cells in previous.values() for name in cells})
        record(
            "store.revision.edit",
            dataset,
            actor=actor,
            detail={"revision": revision.number, "rows": sorted(new_rows), "columns": columns, "block": True},
        )
    revs = {row_id: (revision.number if row_id in new_rows else expected[row_id]) for row_id in old_rows}
    return PastedBlock(revision, revs, previous, sum(len(c) for c in previous.values()))


def _check_block_keys(
    dataset: Dataset, fields: Sequence[Field], new_rows: Mapping[int, list[Any]], *, actor: Actor
) -> list[Problem]:
    """The key stays filled and unique across the block: against the other rows, and within the block
    (a clash with a row of the block that gives its value up is no clash)."""
    key = dataset.key_field
    if key is None or key.removed or not new_rows:
        return []
    index = next((i for i, f in enumerate(fields) if f.pk == key.pk), None)
    if index is None:
        return []
    problems: list[Problem] = []
    seen: dict[Any, int] = {}
    for row_id, new in new_rows.items():
        value = new[index]
        for problem in _check_key(dataset, fields, new, row_id, actor=actor):
            other = (
                read_alive_by(dataset, [key], key, [value]).get(to_json(value)) if value is not None else None
            )
            if (
                other is not None
                and other[0] in new_rows
                and to_json(new_rows[other[0]][index]) != to_json(value)
            ):
                continue  # that row takes another value in this block
            problems.append(replace(problem, row=row_id))
        if value is not None:
            earlier = seen.setdefault(to_json(value), row_id)
            if earlier != row_id:
                shown = to_json(value)
                problems.append(
                    Problem(
                        Message(
                            gettext_noop(
                                "the key column '%(label)s' gets '%(shown)s' on both row %(earlier)s and row %(row_id)s"
                            ),
                            label=key.label,
                            shown=shown,
                            earlier=earlier,
                            row_id=row_id,
                        ),
                        key.name,
                        row_id,
                    )
                )
    return problems


@dataclass(frozen=True)
class BulkPreview:
    field: Field
    value: Any
    row_ids: list[int]

    @property
    def count(self) -> int:
        return len(self.row_ids)


def _matching_ids(dataset: Dataset, query: Any, *, actor: Actor) -> list[int]:
    return list(catalog.matching_row_ids(dataset, query, actor=actor, purpose=Purpose.EDIT))


def count_matching(dataset: Dataset, query: Any, *, actor: Actor) -> int:
    """How many rows a bulk edit of this grid query would touch (rows in the actor's scope)."""
    _require(dataset, actor=actor)
    return len(_matching_ids(dataset, query, actor=actor))


def preview_bulk_edit(
    dataset: Dataset, query: Any, field_name: str, text: str, *, actor: Actor
) -> BulkPreview:
    """Which rows a bulk edit would change, and the parsed value (raises like bulk_edit would)."""
    r = _require(dataset, actor=actor)
    visible = r.visible(dataset.live_fields())
    parsed, problems = _parse_changes(visible, {field_name: text})
    if problems:
        raise InvalidValues(problems)
    fld = next(f for f in visible if f.name == field_name)
    return BulkPreview(fld, parsed[fld.pk], _matching_ids(dataset, query, actor=actor))


def bulk_edit(
    dataset: Dataset, query: Any, field_name: str, text: str, message: str = "", *, actor: Actor
) -> Revision:
    """Set one column to one value on every row matching the grid query (rows in the actor's scope)."""
    _require(dataset, actor=actor)
    preview = preview_bulk_edit(dataset, query, field_name, text, actor=actor)
    target = preview.field
    with transaction.atomic():
        _lock(dataset)
        row_ids = _matching_ids(dataset, query, actor=actor)
        fields = dataset.live_fields()
        index = next(i for i, f in enumerate(fields) if f.pk == target.pk)
        key = dataset.key_field
        if key is not None and key.pk == target.pk and len(row_ids) > 1:
            raise InvalidValues.one(
                Message(
                    gettext_noop(
                        "the key column '%(label)s' must differ from row to row: it cannot be set on many rows"
                    ),
                    label=key.label,
                ),
                key.name,
            )
        editable = _editable(dataset, actor=actor)
        revision = open_revision(dataset, actor=actor, source=Revision.Source.EDIT, message=message)
        writer = RevisionWriter(dataset, revision, fields)
        for row_id in row_ids:
            current = _read_row(dataset, fields, row_id)
            if current is None:
                continue
            old = current[1]
            new = list(old)
            new[index] = preview.value
            if not _in_scope(editable, fields, new):
                raise InvalidValues([_scope_problem()])
            if key is not None and key.pk == target.pk:
                problems = _check_key(dataset, fields, new, row_id, actor=actor)
                if problems:
                    raise InvalidValues(problems)
            writer.update(row_id, old, new)
        revision = writer.finish()
        record(
            "store.revision.bulk_edit",
            dataset,
            actor=actor,
            detail={"revision": revision.number, "column": target.name, "rows": revision.changed},
        )
    return revision


# ---------------------------------------------------------------------------------------------------
# Schema


def _schema_revision(
    dataset: Dataset, message: str, action: str, detail: dict[str, Any], *, actor: Actor
) -> Revision:
    """Close a schema change: a new revision (source "schema") with the new schema snapshot, audited."""
    revision = open_revision(dataset, actor=actor, source=Revision.Source.SCHEMA, message=message)
    fields = dataset.live_fields()
    revision = RevisionWriter(dataset, revision, fields).finish(schema_fields=fields)
    record(action, dataset, actor=actor, detail={"revision": revision.number, **detail})
    return revision


def _field(dataset: Dataset, r: Rights, name: str) -> Field:
    for fld in r.visible(dataset.live_fields()):
        if fld.name == name:
            return fld
    raise EditRejected.one(Message(gettext_noop("there is no column '%(name)s'"), name=name), name)


def _check_name(dataset: Dataset, name: str, exclude: Field | None = None) -> list[Problem]:
    if not NAME_RE.fullmatch(name):
        return [
            Problem(
                Message(
                    gettext_noop(
                        "the machine name '%(name)s' is not allowed: use letters, digits, '_' and '-', no spaces"
                    ),
                    name=name,
                ),
                "name",
            )
        ]
    for other in dataset.live_fields():
        if other.name == name and (exclude is None or other.pk != exclude.pk):
            return [
                Problem(
                    Message(
                        gettext_noop("the machine name '%(name)s' is already used by column '%(label)s'"),
                        name=name,
                        label=other.label,
                    ),
                    "name",
                )
            ]
    return []


def _check_label(dataset: Dataset, label: str, exclude: Field | None = None) -> list[Problem]:
    if not label.strip():
        return [Problem(Message(gettext_noop("enter a label")), "label")]
    for other in dataset.live_fields():
        if other.label == label and (exclude is None or other.pk != exclude.pk):
            return [
                Problem(
                    Message(gettext_noop("a column labelled '%(label)s' already exists"), label=label),
                    "label",
                )
            ]
    return []


def _level(text: str) -> Level:
    try:
        return Level.parse(text)
    except ValueError as exc:
        raise EditRejected.one(reason_of(exc), "classification") from None


def _field_type(text: str) -> FieldType:
    try:
        return FieldType(text)
    except ValueError:
        raise EditRejected.one(
            Message(
                gettext_noop("unknown type '%(text)s' (%(value)s)"),
                text=text,
                value=", ".join(FieldType.values),
            ),
            "type",
        ) from None


def add_field(
    dataset: Dataset,
    *,
    actor: Actor,
    label: str,
    name: str = "",
    type: str = FieldType.TEXT,
    classification: str = Level.PUBLIC,
    message: str = "",
) -> Field:
    """Add an empty column at the end."""
    _require(dataset, actor=actor, manage=True)
    label = label.strip()
    if not name.strip():
        from kaidan.values.names import machine_name

        name = machine_name(label) if label else ""
    name = name.strip()
    problems = _check_label(dataset, label) + _check_name(dataset, name)
    field_type = _field_type(type)
    level = _level(classification)
    if problems:
        raise EditRejected(problems)
    with transaction.atomic():
        _lock(dataset)
        last = dataset.fields.order_by("-position").values_list("position", flat=True).first() or 0
        fld = Field.objects.create(
            dataset=dataset,
            position=last + 1,
            name=name,
            label=label,
            type=field_type,
            classification=level,
        )
        tables.add_column(dataset, fld)
        _schema_revision(
            dataset,
            message,
            "catalog.field.add",
            {
                "field": fld.pk,
                "name": name,
                "label": label,
                "type": field_type.value,
                "classification": level.value,
            },
            actor=actor,
        )
    return fld


def rename_field(
    dataset: Dataset,
    field_name: str,
    *,
    actor: Actor,
    label: str | None = None,
    name: str | None = None,
    message: str = "",
) -> Field:
    """Change a column's label and/or machine name (the data and history are untouched)."""
    r = _require(dataset, actor=actor, manage=True)
    fld = _field(dataset, r, field_name)
    label = fld.label if label is None else label.strip()
    name = fld.name if name is None else name.strip()
    if label == fld.label and name == fld.name:
        return fld
    problems = _check_label(dataset, label, fld) + _check_name(dataset, name, fld)
    if problems:
        raise EditRejected(problems)
    with transaction.atomic():
        _lock(dataset)
        before = {"name": fld.name, "label": fld.label}
        fld.label, fld.name = label, name
        fld.save(update_fields=["label", "name"])
        _schema_revision(
            dataset,
            message,
            "catalog.field.rename",
            {"field": fld.pk, "before": before, "after": {"name": name, "label": label}},
            actor=actor,
        )
    return fld


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(to_json(value))


def retype_field(
    dataset: Dataset, field_name: str, new_type: str, message: str = "", *, actor: Actor
) -> Field:
    """Change a column's type: every current value is converted first; if any fails, nothing changes.

    The old field is kept (removed) with its physical column, so history stays readable; a new field
    with a new column takes its place and position.
    """
    r = _require(dataset, actor=actor, manage=True)
    old_field = _field(dataset, r, field_name)
    field_type = _field_type(new_type)
    if field_type == old_field.type:
        return old_field
    with transaction.atomic():
        _lock(dataset)
        fields = dataset.live_fields()
        index = next(i for i, f in enumerate(fields) if f.pk == old_field.pk)
        converted: list[tuple[int, list[Any], Any]] = []
        failures: list[tuple[int, str]] = []
        failed = 0
        for row_id, values in store_selectors.iter_rows(dataset, fields):
            text = _as_text(values[index])
            try:
                value = convert(text, field_type) if text is not None else None
            except (ValueError, ArithmeticError):
                failed += 1
                if len(failures) < MAX_LISTED:
                    failures.append((row_id, text or ""))
                continue
            converted.append((row_id, values, value))
        if failed:
            listed = [
                Message(gettext_noop("row %(row)s '%(text)s'"), row=row, text=text) for row, text in failures
            ]
            more = failed - len(failures)
            raise EditRejected.one(
                Message(
                    gettext_noop(
                        "column '%(label)s': %(failed)s values cannot be converted to %(type)s, "
                        "so the type was not changed: %(listed)s%(more)s"
                    ),
                    label=old_field.label,
                    failed=failed,
                    type=type_name(field_type),
                    listed=MessageList(listed),
                    more=Message(gettext_noop(" and %(count)s more"), count=more) if more else "",
                ),
                "type",
            )
        new_field = Field.objects.create(
            dataset=dataset,
            position=old_field.position,
            name=old_field.name,
            label=old_field.label,
            type=field_type,
            classification=old_field.classification,
            unit=old_field.unit,
            description=old_field.description,
        )
        Field.objects.filter(pk=old_field.pk).update(removed=True)
        tables.add_column(dataset, new_field)
        revision = open_revision(dataset, actor=actor, source=Revision.Source.SCHEMA, message=message)
        new_fields = dataset.live_fields()
        new_index = next(i for i, f in enumerate(new_fields) if f.pk == new_field.pk)
        vendor = connection.vendor
        for row_id, values, value in converted:
            new_values = list(values)
            del new_values[index]
            new_values.insert(new_index, value)
            # Not a RowChange: the column is new, and no earlier revision reads it.
            tables.update_row(
                dataset,
                row_id,
                {new_field.column: to_db(value, field_type, vendor)},
                revision.number,
                row_hash(new_values),
            )
        if dataset.key_field_id == old_field.pk:
            dataset.key_field = new_field
            dataset.save(update_fields=["key_field"])
            tables.index_column(dataset, new_field)
        revision = RevisionWriter(dataset, revision, new_fields).finish(schema_fields=new_fields)
        record(
            "catalog.field.retype",
            dataset,
            actor=actor,
            detail={
                "revision": revision.number,
                "field": old_field.pk,
                "new_field": new_field.pk,
                "from": old_field.type,
                "to": field_type.value,
                "rows": len(converted),
            },
        )
    return new_field


def remove_field(dataset: Dataset, field_name: str, message: str = "", *, actor: Actor) -> None:
    """Remove a column from the current schema (its data stays for the history)."""
    r = _require(dataset, actor=actor, manage=True)
    fld = _field(dataset, r, field_name)
    if dataset.key_field_id == fld.pk:
        raise EditRejected.one(
            Message(
                gettext_noop("column '%(label)s' is the key column and cannot be removed"), label=fld.label
            ),
            fld.name,
        )
    if len(dataset.live_fields()) <= 1:
        raise EditRejected.one(Message(gettext_noop("the last column cannot be removed")), fld.name)
    with transaction.atomic():
        _lock(dataset)
        Field.objects.filter(pk=fld.pk).update(removed=True)
        _schema_revision(
            dataset, message, "catalog.field.remove", {"field": fld.pk, "name": fld.name}, actor=actor
        )


def set_field_classification(
    dataset: Dataset, field_name: str, classification: str, message: str = "", *, actor: Actor
) -> Field:
    """Change who may see one column."""
    r = _require(dataset, actor=actor, manage=True)
    fld = _field(dataset, r, field_name)
    level = _level(classification)
    if level == fld.classification:
        return fld
    with transaction.atomic():
        _lock(dataset)
        before = fld.classification
        fld.classification = level
        fld.save(update_fields=["classification"])
        _schema_revision(
            dataset,
            message,
            "catalog.field.classify",
            {"field": fld.pk, "name": fld.name, "before": before, "after": level.value},
            actor=actor,
        )
    return fld


def set_dataset_classification(
    dataset: Dataset, classification: str, restriction_reason: str = "", message: str = "", *, actor: Actor
) -> Dataset:
    """Change the dataset's classification (秘 needs a recorded reason)."""
    _require(dataset, actor=actor, manage=True)
    level = _level(classification)
    reason = restriction_reason.strip()
    if reason and reason not in RestrictionReason.values:
        raise EditRejected.one(
            Message(
                gettext_noop("unknown reason for restriction '%(reason)s' (%(value)s)"),
                reason=reason,
                value=", ".join(RestrictionReason.values),
            ),
            "restriction_reason",
        )
    if level == Level.RESTRICTED and not reason:
        raise EditRejected.one(
            Message(
                gettext_noop(
                    "restricted information needs a recorded reason (personal, privacy, bid, undecided, legal)"
                )
            ),
            "restriction_reason",
        )
    if level == dataset.classification and reason == dataset.restriction_reason:
        return dataset
    with transaction.atomic():
        _lock(dataset)
        before = {"classification": dataset.classification, "restriction_reason": dataset.restriction_reason}
        dataset.classification = level
        dataset.restriction_reason = reason
        dataset.save(update_fields=["classification", "restriction_reason", "updated_at"])
        _schema_revision(
            dataset,
            message,
            "catalog.dataset.classify",
            {"before": before, "after": {"classification": level.value, "restriction_reason": reason}},
            actor=actor,
        )
    return dataset


def fields_for_editing(dataset: Dataset, *, actor: Actor) -> list[Field]:
    """The fields an actor may edit on this dataset (the visible live ones), or [] without edit rights."""
    r = rights(dataset, actor=actor)
    return r.visible(dataset.live_fields()) if r.can_edit else []


def text_for_input(value: Any) -> str:
    """A stored value as the text an input shows (ISO dates and times, plain numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes")
    return str(to_json(value))
