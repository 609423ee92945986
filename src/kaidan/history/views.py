"""History pages: revisions, the diff between two revisions (screen, CSV, JSON), one record's history,
and the confirm pages of the restores. Views only call kaidan.history.selectors/services."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kaidan.access.services import rights
from kaidan.audit.services import record
from kaidan.catalog.selectors import get_dataset
from kaidan.store.exports import FORMATS, csv_cell
from kaidan.store.values import to_json

from . import selectors
from .services import (
    RestoreRejected,
    plan_dataset_restore,
    plan_record_restore,
    restore_dataset,
    restore_record,
)

REVISIONS_PER_PAGE = 25
ROWS_PER_PAGE = 50
KINDS = ("changed", "added", "removed")


def _int(text: Any, default: int | None = None) -> int | None:
    try:
        return int(str(text))
    except (TypeError, ValueError):
        return default


def _page_number(request: HttpRequest) -> int:
    return max(1, _int(request.GET.get("page"), 1) or 1)


# ------------------------------------------------------------------------------------------- revisions


def revisions(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_dataset(name, actor=request.user)
    paginator = Paginator(selectors.list_revisions(dataset), REVISIONS_PER_PAGE)
    page = paginator.get_page(_page_number(request))
    r = rights(dataset, actor=request.user)
    return render(
        request,
        "history/revisions.html",
        {
            "dataset": dataset,
            "page": page,
            "formats": list(FORMATS),
            "can_manage": r.can_manage,
            "whole": not r.row_filters,  # a row-scoped reader learns nothing of the whole dataset
            "when": request.GET.get("when", ""),
        },
    )


def as_of(request: HttpRequest, name: str) -> HttpResponse:
    """The "view as of a date and time" form: redirect to the grid as of the last revision by then."""
    dataset = get_dataset(name, actor=request.user)
    text = request.GET.get("when", "").strip()
    try:
        when = parse_datetime(text)
        day = parse_date(text) if when is None else None
    except ValueError:
        when = day = None
    if day is not None:  # a date alone: as of the end of that day
        when = datetime.combine(day, time(23, 59, 59))
    back = reverse("history:revisions", args=[dataset.name])
    if when is None:
        messages.error(
            request,
            _("The date and time “%(value)s” could not be read: use the form 2025-04-01 09:30.")
            % {"value": text},
        )
        return redirect(back)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    revision = selectors.revision_at(dataset, when)
    if revision is None:
        messages.error(request, _("The dataset had no revision yet at %(when)s.") % {"when": text})
        return redirect(back)
    return redirect(f"{reverse('catalog:dataset', args=[dataset.name])}?as_of={revision.number}")


# ------------------------------------------------------------------------------------------------ diff


def _diff_or_400(
    request: HttpRequest, name: str, purpose: str, operation: str = "object.view"
) -> tuple[Any, selectors.Diff | HttpResponse]:
    dataset = get_dataset(name, operation, actor=request.user)
    a = _int(request.GET.get("from"))
    b = _int(request.GET.get("to"))
    if b is None:
        b = dataset.current_revision
    if a is None:
        a = max(b - 1, 0)
    try:
        return dataset, selectors.diff(dataset, a, b, actor=request.user, purpose=purpose)
    except ValueError as exc:
        return dataset, HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")


def diff(request: HttpRequest, name: str) -> HttpResponse:
    dataset, d = _diff_or_400(request, name, "diff")
    if isinstance(d, HttpResponse):
        return d
    page_number = _page_number(request)
    counts = {k: 0 for k in KINDS}
    start = (page_number - 1) * ROWS_PER_PAGE
    pages: dict[str, list[selectors.RowDiff]] = {k: [] for k in KINDS}
    for row in d.rows():  # one pass: the counts of the summary, and this page of each kind
        if start <= counts[row.kind] < start + ROWS_PER_PAGE:
            pages[row.kind].append(row)
        counts[row.kind] += 1
    kind = request.GET.get("kind", "")
    if kind not in KINDS:
        kind = next((k for k in KINDS if counts[k]), "changed")
    shown = pages[kind]
    paginator = Paginator(range(counts[kind]), ROWS_PER_PAGE)
    revs = {rev.number: rev for rev in selectors.list_revisions(dataset).filter(number__in=[d.a, d.b])}
    return render(
        request,
        "history/diff.html",
        {
            "dataset": dataset,
            "diff": d,
            "from_revision": revs.get(d.a),
            "to_revision": revs.get(d.b),
            "counts": counts,
            "kind": kind,
            "kinds": KINDS,
            "rows": shown,
            "page": paginator.get_page(page_number),
            "show_key": d.key_a is not None or d.key_b is not None,
            "max_revision": dataset.current_revision,
        },
    )


def _csv_lines(d: selectors.Diff) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow(["change", "row_id", "key", "column", "old", "new"])
    yield "\ufeff".encode() + flush()
    for change in d.schema:
        writer.writerow(
            [
                f"schema_{change.kind}",
                "",
                "",
                csv_cell(change.label),
                csv_cell(change.old),
                csv_cell(change.new),
            ]
        )
    yield flush()
    for count, row in enumerate(d.rows(), start=1):
        for cell in row.cells:
            writer.writerow(
                [
                    row.kind,
                    row.row_id,
                    csv_cell(row.key),
                    csv_cell(cell.field.label),
                    csv_cell(cell.old),
                    csv_cell(cell.new),
                ]
            )
        if not row.cells:
            writer.writerow([row.kind, row.row_id, csv_cell(row.key), "", "", ""])
        if count % 500 == 0:
            yield flush()
    yield flush()


def _json_chunks(d: selectors.Diff) -> Iterator[bytes]:
    head = {
        "dataset": d.dataset.name,
        "from": d.a,
        "to": d.b,
        "schema": [{"change": c.kind, "column": c.label, "old": c.old, "new": c.new} for c in d.schema],
    }
    text = json.dumps(head, ensure_ascii=False)
    yield (text[:-1] + ', "rows": [').encode()
    for i, row in enumerate(d.rows()):
        item = {
            "change": row.kind,
            "row_id": row.row_id,
            "key": to_json(row.key),
            "cells": [
                {"column": c.field.name, "label": c.field.label, "old": to_json(c.old), "new": to_json(c.new)}
                for c in row.cells
            ],
        }
        yield (",\n" if i else "\n").encode() + json.dumps(item, ensure_ascii=False).encode()
    yield b"\n]}\n"


def diff_download(request: HttpRequest, name: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    dataset, d = _diff_or_400(request, name, "diff_download", "object.export")
    if isinstance(d, HttpResponse):
        return d
    record(
        "history.diff.download", dataset, actor=request.user, detail={"format": fmt, "from": d.a, "to": d.b}
    )
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(d), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_chunks(d), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{dataset.name}-diff-r{d.a}-r{d.b}.{fmt}"'
    return response


# ------------------------------------------------------------------------------------------------ record


def record_history(request: HttpRequest, name: str, row_id: int) -> HttpResponse:
    dataset = get_dataset(name, actor=request.user)
    history = selectors.record_history(dataset, row_id, actor=request.user)
    r = rights(dataset, actor=request.user)
    return render(
        request,
        "history/record.html",
        {
            "dataset": dataset,
            "history": history,
            "row_id": row_id,
            "can_edit": r.can_edit,
            "whole": not r.row_filters,
        },
    )


@require_http_methods(["GET", "POST"])
def restore_record_view(request: HttpRequest, name: str, row_id: int) -> HttpResponse:
    dataset = get_dataset(name, "object.edit", actor=request.user)
    number = _int(request.POST.get("revision") if request.method == "POST" else request.GET.get("revision"))
    back = reverse("history:record", args=[dataset.name, row_id])
    if number is None:
        return HttpResponseBadRequest(_("Choose a revision."), content_type="text/plain; charset=utf-8")
    try:
        if request.method == "POST":  # restore_record plans (and audits that read) itself
            revision, new_id = restore_record(
                dataset, row_id, number, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(
                request,
                _("Row %(row)s was restored to revision %(number)s (new revision %(revision)s).")
                % {"row": row_id, "number": number, "revision": revision.number},
            )
            return redirect(reverse("history:record", args=[dataset.name, new_id]))
        plan = plan_record_restore(dataset, row_id, number, actor=request.user)
    except RestoreRejected as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return render(
        request,
        "history/restore_record.html",
        {"dataset": dataset, "plan": plan, "row_id": row_id, "number": number},
    )


@require_http_methods(["GET", "POST"])
def restore_dataset_view(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_dataset(name, "object.manage", actor=request.user)
    number = _int(request.POST.get("revision") if request.method == "POST" else request.GET.get("revision"))
    back = reverse("history:revisions", args=[dataset.name])
    if number is None:
        return HttpResponseBadRequest(_("Choose a revision."), content_type="text/plain; charset=utf-8")
    if request.method == "POST":
        try:
            revision = restore_dataset(
                dataset,
                number,
                actor=request.user,
                note=request.POST.get("note", ""),
                expected_revision=_int(request.POST.get("expected")),
            )
        except RestoreRejected as exc:
            messages.error(request, str(exc))
            return redirect(f"{reverse('history:restore', args=[dataset.name])}?revision={number}")
        messages.success(
            request,
            _("The dataset was restored to revision %(number)s (new revision %(revision)s).")
            % {"number": number, "revision": revision.number},
        )
        return redirect(back)
    if not 1 <= number < dataset.current_revision:
        messages.error(request, _("Choose a revision before the current one."))
        return redirect(back)
    plan = plan_dataset_restore(dataset, number, actor=request.user)
    counts = plan.counts()
    return render(
        request,
        "history/restore_dataset.html",
        {
            "dataset": dataset,
            "plan": plan,
            "counts": counts,
            "number": number,
            "target": selectors.get_revision(dataset, number),
        },
    )
