"""Editing pages: a record, a new record, deleting, grid cells, bulk edit and the schema.

Views only parse the request, call kaidan.editing.services and render; rights are decided there.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaidan.access.actors import Actor
from kaidan.access.levels import Level, RestrictionReason
from kaidan.access.services import Rights, rights
from kaidan.catalog import selectors as catalog
from kaidan.catalog.models import Dataset, FieldType
from kaidan.catalog.views import cell_text
from kaidan.core.display import display_value
from kaidan.store.selectors import fields_at
from kaidan.values.messages import Message, gettext_noop

from . import services
from .forms import (
    attach_errors,
    changes_of,
    inputs_for,
    merge_after_conflict,
    submitted,
    values_of,
)


def display(value: Any) -> str:
    """A value as the grid shows it (the one display rule, kaidan.core.display)."""
    return display_value(value)


def _fields(dataset: Dataset, *, actor: Actor) -> list[Any]:
    return catalog.visible_fields(dataset, actor=actor)


def _row(request: HttpRequest, dataset: Dataset, row_id: int) -> Any:
    row = catalog.get_row(dataset, row_id, actor=request.user)
    if row is None:
        raise Http404(f"row {row_id}")
    return row


def _stale_context(stale: services.StaleRecord) -> dict[str, Any]:
    return {
        "stale": stale,
        "stale_values": [(f, display(v)) for f, v in zip(stale.fields, stale.values, strict=True)],
    }


def _record_context(
    request: HttpRequest, dataset: Dataset, r: Rights, row: Any, as_of: int | None = None
) -> dict[str, Any]:
    if row.fields:  # read with the row, from the same relation
        fields = list(row.fields)
    elif as_of is not None:
        fields = catalog.visible_fields(dataset, fields_at(dataset, as_of), actor=request.user)
    else:
        fields = _fields(dataset, actor=request.user)
    return {
        "as_of": as_of,
        "dataset": dataset,
        "rights": r,
        "row": row,
        "row_id": row.row_id,
        "shown": [(f, display(v)) for f, v in zip(fields, row.values, strict=True)],
        "inputs": inputs_for(fields, row.values) if r.can_edit and as_of is None else [],
        "rev": row.rev,
    }


@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, name: str, row_id: int) -> HttpResponse:
    dataset = catalog.get_dataset(name, actor=request.user)
    r = rights(dataset, actor=request.user)
    as_of_text = request.GET.get("as_of", "")
    if request.method == "GET" and as_of_text.isdigit() and int(as_of_text) < dataset.current_revision:
        as_of = int(as_of_text)
        row = catalog.get_row(dataset, row_id, actor=request.user, as_of=as_of)
        if row is None:
            raise Http404(f"row {row_id}")
        return render(request, "editing/record.html", _record_context(request, dataset, r, row, as_of))
    if request.method == "GET":
        row = _row(request, dataset, row_id)
        return render(request, "editing/record.html", _record_context(request, dataset, r, row))
    fields = _fields(dataset, actor=request.user)
    inputs = submitted(fields, request.POST)
    message = request.POST.get("message", "")
    expected = request.POST.get("rev", "")
    context: dict[str, Any] = {}
    try:
        services.edit_record(
            dataset,
            row_id,
            changes_of(inputs),
            int(expected) if expected.isdigit() else -1,
            actor=request.user,
            message=message,
        )
    except services.StaleRecord as stale:
        if stale.deleted:
            messages.error(request, stale.describe())
            return redirect("catalog:dataset", name=dataset.name)
        merge_after_conflict(inputs, stale.current)
        context.update(_stale_context(stale), rev=stale.rev)
        status = 409
    except services.InvalidValues as exc:
        context["errors"] = attach_errors(inputs, exc.problems)
        context.update(has_errors=True, rev=expected)
        status = 400
    else:
        messages.success(request, _("Saved."))
        return redirect("editing:record", name=dataset.name, row_id=row_id)
    row = _row(request, dataset, row_id)
    page = _record_context(request, dataset, r, row)
    page.update(context, inputs=inputs, message=message)
    return render(request, "editing/record.html", page, status=status)


@require_http_methods(["GET", "POST"])
def add(request: HttpRequest, name: str) -> HttpResponse:
    dataset = catalog.get_dataset(name, "object.edit", actor=request.user)
    fields = _fields(dataset, actor=request.user)
    context: dict[str, Any] = {"dataset": dataset, "inputs": inputs_for(fields, None)}
    if request.method == "POST":
        inputs = submitted(fields, request.POST)
        message = request.POST.get("message", "")
        context.update(inputs=inputs, message=message)
        try:
            added = services.add_record(dataset, values_of(inputs), actor=request.user, message=message)
        except services.InvalidValues as exc:
            context["errors"] = attach_errors(inputs, exc.problems)
            context["has_errors"] = True
            return render(request, "editing/add.html", context, status=400)
        messages.success(request, _("The record was added."))
        return redirect("editing:record", name=dataset.name, row_id=added.row_id)
    return render(request, "editing/add.html", context)


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, name: str, row_id: int) -> HttpResponse:
    dataset = catalog.get_dataset(name, "object.edit", actor=request.user)
    r = rights(dataset, actor=request.user)
    if request.method == "POST":
        expected = request.POST.get("rev", "")
        try:
            services.delete_records(
                dataset,
                {row_id: int(expected) if expected.isdigit() else -1},
                actor=request.user,
                message=request.POST.get("message", ""),
            )
        except services.StaleRecord as stale:
            if stale.deleted:
                messages.info(request, _("This record had already been deleted."))
                return redirect("catalog:dataset", name=dataset.name)
            row = _row(request, dataset, row_id)
            context = _record_context(request, dataset, r, row)
            context.update(_stale_context(stale))
            return render(request, "editing/delete.html", context, status=409)
        messages.success(request, _("The record was deleted."))
        return redirect("catalog:dataset", name=dataset.name)
    row = _row(request, dataset, row_id)
    return render(request, "editing/delete.html", _record_context(request, dataset, r, row))


@require_POST
def cell(request: HttpRequest, name: str, row_id: int) -> JsonResponse:
    """Save one grid cell: 200 with the new value and rev, 409 when stale, 400 when invalid."""
    dataset = catalog.get_dataset(name, "object.edit", actor=request.user)
    fields = {str(f.pk): f for f in _fields(dataset, actor=request.user)}
    fld = fields.get(request.POST.get("field", ""))
    if fld is None:
        return JsonResponse({"message": _("There is no such column.")}, status=400)
    text = request.POST.get("value", "")
    expected = request.POST.get("rev", "")
    try:
        services.edit_record(
            dataset,
            row_id,
            {fld.name: text},
            int(expected) if expected.isdigit() else -1,
            actor=request.user,
            message=request.POST.get("message", ""),
        )
    except services.StaleRecord as stale:
        value = stale.current.get(fld.name)
        when = formats.date_format(stale.changed_at, "SHORT_DATETIME_FORMAT") if stale.changed_at else ""
        if stale.deleted:
            text_message = _("%(who)s deleted this record (%(when)s). Your text was not saved.") % {
                "who": stale.changed_by or _("someone"),
                "when": when,
            }
        else:
            text_message = _(
                "%(who)s changed this record (%(when)s); the value now is “%(value)s”. "
                "Your text was not saved: save again to replace their value."
            ) % {"who": stale.changed_by or _("someone"), "when": when, "value": display(value)}
        return JsonResponse(
            {
                "stale": True,
                "deleted": stale.deleted,
                "value": display(value),
                "input": services.text_for_input(value),
                "by": stale.changed_by,
                "at": when,
                "rev": stale.rev,
                "message": text_message,
            },
            status=409,
        )
    except services.InvalidValues as exc:
        return JsonResponse({"message": " ".join(str(p) for p in exc.problems)}, status=400)
    row = _row(request, dataset, row_id)
    index = list(fields).index(str(fld.pk))
    value = row.values[index]
    return JsonResponse(
        {
            "value": display(value),
            "input": services.text_for_input(value),
            "rev": row.rev,
            "message": _("Saved."),
        }
    )


def _cell_problems(
    problems: list[services.Problem], ids: dict[str, str], labels: dict[str, str]
) -> list[dict[str, Any]]:
    """Problems as the grid shows them at their cells: row id, field id, message."""
    return [
        {"row": p.row, "field": ids.get(p.field, ""), "label": labels.get(p.field, ""), "message": str(p)}
        for p in problems
    ]


@require_POST
def paste(request: HttpRequest, name: str) -> JsonResponse:
    """Save a block of grid cells as one revision (paste, fill down, undo). JSON in and out.

    Body: {"changes": {row id: {field id: text}}, "expected": {row id: rev}, "message": ""}. Answers 200
    with each row's new rev and cells and the block that undoes it, 409 when a row is stale, 400 when
    any value is invalid or a row may not be changed (nothing is written then; problems name the cells).
    """
    dataset = catalog.get_dataset(name, "object.edit", actor=request.user)
    fields = _fields(dataset, actor=request.user)
    by_id = {str(f.pk): f for f in fields}
    ids = {f.name: str(f.pk) for f in fields}
    labels = {f.name: f.label for f in fields}
    try:
        body = json.loads(request.body or b"{}")
        changes: dict[int, dict[str, str]] = {}
        for row, cells in body.get("changes", {}).items():
            changes[int(row)] = {}
            for field_id, text in cells.items():
                fld = by_id.get(str(field_id))
                if fld is None:
                    return JsonResponse({"message": _("There is no such column.")}, status=400)
                changes[int(row)][fld.name] = "" if text is None else str(text)
        expected = {int(row): int(rev) for row, rev in body.get("expected", {}).items()}
        message = str(body.get("message", ""))[:500]
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"message": _("The request could not be read.")}, status=400)
    try:
        pasted = services.paste_block(dataset, changes, expected, actor=request.user, message=message)
    except services.StaleBlock as exc:
        return JsonResponse(
            {
                "stale": True,
                "message": _("Someone else changed some of these rows meanwhile. Nothing was saved."),
                "problems": _cell_problems(exc.problems, ids, labels),
                "revs": {str(s.row_id): s.rev for s in exc.stale},
            },
            status=409,
        )
    except services.EditRejected as exc:
        return JsonResponse(
            {
                "message": _("Nothing was saved: please correct the cells listed."),
                "problems": _cell_problems(exc.problems, ids, labels),
            },
            status=400,
        )
    rows: dict[str, Any] = {}
    for row_id, rev in pasted.revs.items():
        row = catalog.get_row(dataset, row_id, actor=request.user)
        cells = {}
        if row is not None:
            for fld, value in zip(fields, row.values, strict=True):
                if fld.name in changes[row_id]:
                    cells[str(fld.pk)] = {"value": cell_text(value), "input": services.text_for_input(value)}
        rows[str(row_id)] = {"rev": row.rev if row is not None else rev, "cells": cells}
    return JsonResponse(
        {
            "revision": pasted.revision.number if pasted.revision else None,
            "cells": pasted.cells,
            "rows": rows,
            "undo": {
                "changes": {
                    str(row_id): {ids[n]: text for n, text in cells.items()}
                    for row_id, cells in pasted.previous.items()
                },
                "expected": {str(row_id): pasted.revs[row_id] for row_id in pasted.previous},
            },
            "message": (
                _("%(count)s cells were saved (revision %(rev)s).")
                % {"count": pasted.cells, "rev": pasted.revision.number}
                if pasted.revision
                else _("Nothing changed.")
            ),
        }
    )


def _grid_query(request: HttpRequest, dataset: Dataset, q: str) -> Any:
    return catalog.grid_query(dataset, QueryDict(q), actor=request.user)


@require_http_methods(["GET", "POST"])
def bulk(request: HttpRequest, name: str) -> HttpResponse:
    """Set one column on every row of the grid's current filter: choose, preview the count, apply."""
    dataset = catalog.get_dataset(name, "object.edit", actor=request.user)
    fields = _fields(dataset, actor=request.user)
    data = request.POST if request.method == "POST" else request.GET
    q = data.get("q", "")
    query = _grid_query(request, dataset, q)
    context: dict[str, Any] = {
        "dataset": dataset,
        "fields": fields,
        "q": q,
        "field_name": data.get("field", ""),
        "text": data.get("value", ""),
        "message": data.get("message", ""),
        "matching": services.count_matching(dataset, query, actor=request.user),
        "grid_url": reverse("catalog:dataset", args=[dataset.name]) + (f"?{q}" if q else ""),
    }
    if request.method == "GET":
        return render(request, "editing/bulk.html", context)
    try:
        preview = services.preview_bulk_edit(
            dataset, query, context["field_name"], context["text"], actor=request.user
        )
        if request.POST.get("action") != "apply":
            context["preview"] = preview
            context["preview_value"] = display(preview.value) if preview.value is not None else ""
            return render(request, "editing/bulk.html", context)
        revision = services.bulk_edit(
            dataset,
            query,
            context["field_name"],
            context["text"],
            actor=request.user,
            message=context["message"],
        )
    except services.EditRejected as exc:
        context["errors"] = exc.problems
        return render(request, "editing/bulk.html", context, status=400)
    messages.success(
        request,
        _("%(count)s rows were changed (revision %(rev)s).")
        % {"count": revision.changed, "rev": revision.number},
    )
    return redirect(context["grid_url"])


SCHEMA_OPS = {"add", "rename", "retype", "remove", "classify", "dataset"}


@require_http_methods(["GET", "POST"])
def schema(request: HttpRequest, name: str) -> HttpResponse:
    dataset = catalog.get_dataset(name, "object.manage", actor=request.user)
    errors: list[services.Problem] = []
    op = request.POST.get("op", "")
    if request.method == "POST" and op in SCHEMA_OPS:
        post = request.POST
        message = post.get("message", "")
        target = post.get("field", "")
        try:
            if op == "add":
                services.add_field(
                    dataset,
                    actor=request.user,
                    label=post.get("label", ""),
                    name=post.get("name", ""),
                    type=post.get("type", FieldType.TEXT),
                    classification=post.get("classification", Level.PUBLIC),
                    message=message,
                )
                done = _("The column was added.")
            elif op == "rename":
                services.rename_field(
                    dataset,
                    target,
                    actor=request.user,
                    label=post.get("label"),
                    name=post.get("name"),
                    message=message,
                )
                done = _("The column was renamed.")
            elif op == "retype":
                services.retype_field(
                    dataset, target, post.get("type", ""), actor=request.user, message=message
                )
                done = _("The column's type was changed.")
            elif op == "remove":
                if post.get("confirm") != "yes":
                    raise services.EditRejected.one(
                        Message(gettext_noop("tick the box to confirm the removal")),
                        "confirm",
                    )
                services.remove_field(dataset, target, actor=request.user, message=message)
                done = _("The column was removed.")
            elif op == "classify":
                services.set_field_classification(
                    dataset, target, post.get("classification", ""), actor=request.user, message=message
                )
                done = _("The column's classification was changed.")
            else:
                services.set_dataset_classification(
                    dataset,
                    post.get("classification", ""),
                    post.get("restriction_reason", ""),
                    actor=request.user,
                    message=message,
                )
                done = _("The dataset's classification was changed.")
        except services.EditRejected as exc:
            errors = exc.problems
        else:
            messages.success(request, done)
            return redirect("editing:schema", name=dataset.name)
    dataset.refresh_from_db()
    return render(
        request,
        "editing/schema.html",
        {
            "dataset": dataset,
            "fields": _fields(dataset, actor=request.user),
            "types": FieldType.choices,
            "levels": Level.choices,
            "reasons": RestrictionReason.choices,
            "errors": errors,
            "op": op,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )
