"""Bulk upsert by key: up to MAX_ROWS rows of JSON in one atomic import revision.

The rows become a CSV file handed to the importer (kaidan.ingest.services.run_import, mode "upsert"), so
the API writes with the importer's machinery: the same type parsing, key checks, edit scope and one
revision for the whole call, or nothing at all with every bad value reported by row, column and value.
Columns are matched only against the fields the caller may change; a column it may not see is, to it, a
column the dataset does not have (and the API never adds columns).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from kaidan.access.actors import Actor
from kaidan.catalog.models import Dataset
from kaidan.ingest.exceptions import ImportRejected, RejectedValue
from kaidan.ingest.services import ColumnPlan, ImportPlan, ImportResult, run_import
from kaidan.store.relation import Purpose, compile_relation
from kaidan.values.messages import Message, gettext_noop

from .services import ApiRejected

MAX_ROWS = 10_000
SOURCE_NAME = "api-upsert.csv"


def as_text(value: Any) -> str | None:
    """A JSON value as the text the parsers read (None stays empty); objects and lists do not fit a cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise ValueError(value)


def _row_problem(index: int, column: str, value: Any, message: Message) -> RejectedValue:
    return RejectedValue("", "", index, column, "" if value is None else str(value), message)


def bulk_upsert(
    dataset: Dataset,
    rows: Sequence[dict[str, Any]],
    *,
    actor: Actor,
    key: str = "",
    message: str = "",
) -> ImportResult:
    """Insert or update `rows` (objects of column name → value) by the key column, as one revision.

    Raises ApiRejected (the call itself is wrong) or ImportRejected whose `rejected` name each bad value
    by row index (0-based, in `rows`), column and value; nothing is written then.
    """
    if not rows:
        raise ApiRejected(Message(gettext_noop("no rows were given")))
    if len(rows) > MAX_ROWS:
        raise ApiRejected(
            Message(gettext_noop("at most %(max)s rows a call, not %(count)s"), max=MAX_ROWS, count=len(rows))
        )
    editable = compile_relation(dataset, actor=actor, purpose=Purpose.EDIT)
    by_name = {f.name: f for f in editable.visible}
    names = list(rows[0])
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ApiRejected(
            Message(
                gettext_noop("columns not in the dataset (or not ones you may change): %(value)s"),
                value=", ".join(unknown),
            )
        )
    key_name = key or (dataset.key_field.name if dataset.key_field_id and dataset.key_field else "")
    if not key_name or key_name not in names:
        raise ApiRejected(Message(gettext_noop("every row needs the key column (key)")))
    problems: list[RejectedValue] = []
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 — removed in finally
        "w", suffix=".csv", encoding="utf-8", newline="", delete=False
    )
    try:
        with handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            for index, row in enumerate(rows):
                if list(row) != names and set(row) != set(names):
                    problems.append(
                        _row_problem(
                            index,
                            "",
                            "",
                            Message(gettext_noop("this row's columns differ from the first row's")),
                        )
                    )
                    continue
                cells: list[str] = []
                for name in names:
                    try:
                        text = as_text(row[name])
                    except ValueError:
                        problems.append(
                            _row_problem(
                                index,
                                name,
                                json.dumps(row[name], ensure_ascii=False)[:100],
                                Message(gettext_noop("a cell holds a single value, not a list or an object")),
                            )
                        )
                        text = None
                    cells.append("" if text is None else text)
                writer.writerow(cells)
        if problems:
            raise ImportRejected(
                Message(
                    gettext_noop("%(rejected_rows)s rows have values that cannot be imported"),
                    rejected_rows=len({p.row for p in problems}),
                ),
                problems,
            )
        plan = ImportPlan(
            path=handle.name,
            original_name=SOURCE_NAME,
            dataset=dataset.name,
            mode="upsert",
            key=key_name,
            encoding="utf-8",
            header_rows=[0],
            on_error="abort",
            message=message,
            columns=[
                ColumnPlan(source=n, name=n, label=by_name[n].label, type=by_name[n].type) for n in names
            ],
            data_rows=len(rows),
        )
        try:
            return run_import(plan, actor=actor)
        except ImportRejected as exc:
            # the file's row numbers (header on line 1) back to indexes of `rows`, labels to names
            label_to_name = {by_name[n].label: n for n in names}
            exc.rejected = [
                RejectedValue("", "", r.row - 2, label_to_name.get(r.column, r.column), r.value, r.reason)
                for r in exc.rejected
            ]
            raise
    finally:
        os.unlink(handle.name)
