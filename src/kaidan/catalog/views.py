"""Catalog pages: the list of datasets the user may see, a dataset's page with its rows, and exports."""

from __future__ import annotations

import tempfile
from itertools import islice

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from kaidan.access.levels import Level
from kaidan.accounts.models import Organization
from kaidan.store.exports import FORMATS

from .selectors import get_dataset, iter_visible_rows, list_datasets
from .services import ExportRejected, export_dataset

PAGE_SIZE = 50


def catalog(request: HttpRequest) -> HttpResponse:
    datasets = list_datasets(request.user)
    org = request.GET.get("org", "")
    level = request.GET.get("classification", "")
    tag = request.GET.get("tag", "")
    if org:
        datasets = [d for d in datasets if d.owner.code == org]
    if level:
        datasets = [d for d in datasets if d.classification == level]
    if tag:
        datasets = [d for d in datasets if tag in {t.name for t in d.tags.all()}]
    return render(
        request,
        "catalog/catalog.html",
        {
            "datasets": datasets,
            "organizations": Organization.objects.exclude(kind=Organization.Kind.PUBLIC),
            "levels": Level.choices,
            "selected": {"org": org, "classification": level, "tag": tag},
        },
    )


def dataset(request: HttpRequest, name: str) -> HttpResponse:
    ds = get_dataset(request.user, name)
    view = iter_visible_rows(request.user, ds)
    page_text = request.GET.get("page", "1")
    page_number = max(1, int(page_text)) if page_text.isdigit() else 1
    start = (page_number - 1) * PAGE_SIZE
    page_rows = list(islice(view.rows, start, start + PAGE_SIZE))
    total = ds.row_count if not view.rights.row_filters else None
    paginator = Paginator(range(total or start + len(page_rows)), PAGE_SIZE)
    return render(
        request,
        "catalog/dataset.html",
        {
            "dataset": ds,
            "fields": view.fields,
            "rows": page_rows,
            "page": paginator.get_page(page_number),
            "rights": view.rights,
            "formats": list(FORMATS),
            "revisions": ds.revisions.select_related("author")[:10],
            "hidden_columns": len(ds.live_fields()) - len(view.fields),
        },
    )


def export(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    ds = get_dataset(request.user, name, "object.export")
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        fmt = "csv"
    revision = request.GET.get("revision")
    as_of = int(revision) if revision and revision.isdigit() else None
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 — closed by FileResponse
    try:
        export_dataset(request.user, ds, fmt=fmt, revision=as_of, out=spool)  # type: ignore[arg-type]
    except ExportRejected as exc:
        spool.close()
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    spool.seek(0)
    content_type, ext = FORMATS[fmt]
    suffix = f"-r{as_of}" if as_of else ""
    return FileResponse(
        spool, as_attachment=True, filename=f"{ds.name}{suffix}.{ext}", content_type=content_type
    )
