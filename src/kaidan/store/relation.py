"""The visible-relation compiler: what one actor may see (or change) of one dataset, as SQL.

For (actor, dataset, current or as of a revision, purpose read or edit) `compile_relation` returns a
`VisibleRelation`: the fields of that revision with their *current* classification, the ones the actor
may see, and the actor's row scope compiled to a condition on the physical table. Every set-based read
(grid pages, counts, facets, exports, record pages, diffs, history, restore previews, live events) selects
through it, and every write checks its rows against the relation's edit form. Nothing outside
`kaidan.store` writes SQL against a dataset table (tests/security/test_one_gate.py enforces it).

Two rules decide the past:
- a column's *current* classification governs every revision: raising 備考 to 秘 hides its old values too;
- a row scope holds on a row's latest stored values (what the row is now, or was when it was deleted) *and*
  on its values at the revision read: a row that left a partner's scope is not readable by them in the
  past either, and a row that entered it later does not reveal what it was before.

This is Datasette's "compile permissions to SQL" taken to rows and columns (DESIGN.md, Round 2).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import connection

from kaidan.access.actors import Actor
from kaidan.access.services import Rights, organizations_of, rights
from kaidan.catalog.models import Dataset, Field
from kaidan.values.types import convert

from . import history, readcache, selectors, tables
from .values import to_db, to_json


class Purpose(StrEnum):
    READ = "read"
    EDIT = "edit"


@dataclass(frozen=True)
class Condition:
    """One condition of a row scope: the field's value is one of `values` (typed, canonical JSON)."""

    field: Field
    db_values: tuple[Any, ...]
    json_values: frozenset[Any]


@dataclass(frozen=True)
class RowScope:
    """Alternatives (OR) of conditions (AND). `everything` means no scope: all rows."""

    everything: bool
    alternatives: tuple[tuple[Condition, ...], ...] = ()

    def sql(self) -> tuple[str, list[Any]]:
        """The scope as a condition on the physical table ("" when every row is in scope)."""
        if self.everything:
            return "", []
        parts: list[str] = []
        params: list[Any] = []
        for conditions in self.alternatives:
            terms = []
            for cond in conditions:
                if not cond.db_values:
                    terms = ["1 = 0"]
                    break
                marks = ", ".join(["%s"] * len(cond.db_values))
                terms.append(f"{tables.q(cond.field.column)} IN ({marks})")
                params += cond.db_values
            parts.append("(" + (" AND ".join(terms) or "1 = 1") + ")")
        if not parts:
            return "1 = 0", []
        return " OR ".join(parts), params

    def contains(self, fields: Sequence[Field], values: Sequence[Any]) -> bool:
        """Is a row with these values (in `fields` order, scope fields included) inside the scope?"""
        if self.everything:
            return True
        index = {f.pk: i for i, f in enumerate(fields)}
        for conditions in self.alternatives:
            ok = True
            for cond in conditions:
                position = index.get(cond.field.pk)
                value = values[position] if position is not None else None
                if value is None or to_json(value) not in cond.json_values:
                    ok = False
                    break
            if ok:
                return True
        return False


NOWHERE = RowScope(everything=False)


def _expected_texts(cond: dict[str, Any], *, actor: Actor) -> list[str]:
    op = cond.get("op", "eq")
    if op == "viewer_org":
        return sorted({text for org in organizations_of(actor=actor) for text in (org.name, org.code)})
    raw = cond.get("value")
    return [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw]) if v is not None]


def compile_scope(filters: Sequence[Sequence[dict[str, Any]]], dataset: Dataset, *, actor: Actor) -> RowScope:
    """The row filters of `Rights` as a RowScope. Conditions name fields by id (never by name, so renaming
    a column or giving another column its name changes nothing); an unknown or removed field, or a value
    that does not fit the field's type, matches nothing (fail closed)."""
    if not filters:
        return RowScope(everything=True)
    by_id = {f.pk: f for f in dataset.fields.all()}
    vendor = connection.vendor
    alternatives: list[tuple[Condition, ...]] = []
    for scope in filters:
        conditions: list[Condition] = []
        for cond in scope:
            target = by_id.get(cond.get("field_id"))  # type: ignore[arg-type]
            if target is None or target.removed:
                conditions = []
                break
            typed = []
            for text in _expected_texts(cond, actor=actor):
                try:
                    value = convert(text, target.type)
                except (ValueError, ArithmeticError):
                    continue
                if value is not None:
                    typed.append(value)
            conditions.append(
                Condition(
                    target,
                    tuple(to_db(v, target.type, vendor) for v in typed),
                    frozenset(to_json(v) for v in typed),
                )
            )
            if not typed:
                break
        if conditions and all(c.db_values for c in conditions):
            alternatives.append(tuple(conditions))
    return RowScope(everything=False, alternatives=tuple(alternatives))


@dataclass(frozen=True)
class VisibleRelation:
    """What one actor may see (purpose READ) or change (purpose EDIT) of one dataset at one revision."""

    dataset: Dataset
    rights: Rights
    purpose: Purpose
    number: int
    """The revision read (the current one when `as_of` is None)."""
    as_of: int | None
    fields: list[Field]
    """Every field at `number`: names and labels of then, classification of now."""
    visible: list[Field]
    scope: RowScope

    @property
    def allowed(self) -> bool:
        return self.rights.can_edit if self.purpose is Purpose.EDIT else self.rights.can_read

    @property
    def scoped(self) -> bool:
        """True when the actor sees only some rows (counts and messages of the whole dataset are hidden)."""
        return not self.scope.everything

    def visible_ids(self) -> set[int]:
        return {f.pk for f in self.visible}

    def where(self, extra: str = "", params: Sequence[Any] = ()) -> tuple[str, list[Any]]:
        """The scope (on the physical rows) AND `extra`, as one SQL condition."""
        if not self.allowed:
            return "1 = 0", []
        scope_sql, scope_params = self.scope.sql()
        parts = [p for p in (scope_sql, extra) if p]
        return " AND ".join(f"({p})" for p in parts), [*scope_params, *params]

    def contains(self, values: Sequence[Any], fields: Sequence[Field] | None = None) -> bool:
        """Is a row with these values (in `fields` order, default all fields) inside the scope?"""
        return self.allowed and self.scope.contains(fields if fields is not None else self.fields, values)

    def rows(
        self,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        order: Field | None = None,
        descending: bool = False,
    ) -> Iterator[tuple[int, int, list[Any]]]:
        """(row id, _rev, values of every field) of the rows in the relation, in display order.

        `where` is an extra condition on the physical table. As of a revision the physical values are not
        the values of then: give only conditions on row identity there (`_id`), and filter values in Python.
        """
        if not self.allowed:
            return
        sql, sql_params = self.where(where, params)
        for row_id, rev, values in selectors.iter_rows_with_rev(
            self.dataset,
            self.fields,
            as_of=self.as_of,
            where=sql,
            params=sql_params,
            order=order if self.as_of is None else None,
            descending=descending,
        ):
            if self.as_of is not None and not self.scope.contains(self.fields, values):
                continue
            yield row_id, rev, values

    def row(self, row_id: int) -> tuple[int, list[Any]] | None:
        """(_rev, values of every field) of one row in the relation, or None (absent or out of scope)."""
        for _row_id, rev, values in self.rows(where="_id = %s", params=[row_id]):
            return rev, values
        return None

    def fingerprint(self) -> tuple[Any, ...]:
        """What this relation lets its reader see, as data: two relations with the same fingerprint show the
        same rows and columns (the key of kaidan.store.readcache, together with the question asked)."""
        scope_sql, scope_params = self.scope.sql()
        return (
            self.dataset.pk,
            self.dataset.current_revision,
            self.dataset.updated_at,  # a database restored from a backup may reuse revision numbers
            self.number,
            self.as_of,
            str(self.purpose),
            self.allowed,
            tuple((f.pk, f.column, f.type, f.classification) for f in self.visible),
            scope_sql,
            tuple(scope_params),
        )

    def count(self, where: str = "", params: Sequence[Any] = ()) -> int:
        """Rows of the relation (current revision) matching `where` (cached per revision: readcache)."""
        if not self.allowed:
            return 0
        if self.as_of is not None:  # identity conditions only, as for rows()
            return sum(1 for _ in self.rows(where=where, params=params))
        sql, sql_params = self.where(where, params)
        if not sql:
            return self.dataset.row_count
        key = readcache.digest("count", self.fingerprint(), where, tuple(params))
        return readcache.get_or_compute(
            key, lambda: selectors.count_rows(self.dataset, where=sql, params=sql_params)
        )

    def facet_counts(
        self, target: Field, where: str = "", params: Sequence[Any] = (), limit: int = 20
    ) -> list[tuple[Any, int]]:
        """The most frequent values of a visible column among the current rows of the relation matching
        `where` (cached per revision: readcache). A column the reader may not see has no facet."""
        if not self.allowed or self.as_of is not None or target.pk not in self.visible_ids():
            return []
        sql, sql_params = self.where(where, params)
        key = readcache.digest("facet", self.fingerprint(), target.pk, where, tuple(params), limit)
        return readcache.get_or_compute(
            key,
            lambda: selectors.facet_counts(self.dataset, target, where=sql, params=sql_params, limit=limit),
        )

    def latest_in_scope(self, row_id: int) -> bool:
        """Is the row's latest stored version (alive or deleted) inside the scope?"""
        if not self.allowed:
            return False
        values = history.stored_values(self.dataset, self.dataset.live_fields(), row_id)
        return values is not None and self.scope.contains(self.dataset.live_fields(), values)


def compile_relation(
    dataset: Dataset,
    *,
    actor: Actor,
    as_of: int | None = None,
    purpose: Purpose = Purpose.READ,
    rights_: Rights | None = None,
) -> VisibleRelation:
    """Compile what `actor` may see or change of `dataset` (now, or as of revision `as_of`)."""
    r = rights_ if rights_ is not None else rights(dataset, actor=actor)
    if as_of is not None and as_of >= dataset.current_revision:
        as_of = None
    if as_of is not None:
        as_of = max(as_of, 1)
    number = as_of if as_of is not None else dataset.current_revision
    fields = selectors.fields_at(dataset, number)
    filters = r.edit_filters if purpose is Purpose.EDIT else r.row_filters
    scope = compile_scope(filters, dataset, actor=actor)
    allowed = r.can_edit if purpose is Purpose.EDIT else r.can_read
    visible = r.visible(fields) if allowed else []
    return VisibleRelation(dataset, r, purpose, number, as_of, fields, visible, scope if allowed else NOWHERE)
