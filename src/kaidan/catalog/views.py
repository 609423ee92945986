"""Catalog pages: the list of datasets the user may see, a dataset's page with its grid, saved views,
and exports. Every read goes through kaidan.catalog.selectors (the access service decides there)."""

from __future__ import annotations

import functools
import html
import math
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaidan.access.levels import Level
from kaidan.accounts.models import Organization
from kaidan.core.display import count, display_value
from kaidan.store.exports import FORMATS

from . import usage
from .forms import SavedViewForm
from .models import Dataset, Field, FieldType, SavedView
from .query import OPS, SIZES
from .selectors import Facet, GridPage, get_dataset, grid_page, grid_query, list_datasets
from .services import ExportRejected, delete_view, export_dataset, index_for_query, save_view


def catalog(request: HttpRequest) -> HttpResponse:
    org = request.GET.get("org", "")
    level = request.GET.get("classification", "")
    tag = request.GET.get("tag", "")
    search = request.GET.get("q", "").strip()[:100]
    datasets = list_datasets(actor=request.user, owner_code=org, classification=level, tag=tag, search=search)
    return render(
        request,
        "catalog/catalog.html",
        {
            "datasets": datasets,
            "organizations": Organization.objects.exclude(kind=Organization.Kind.PUBLIC),
            "levels": Level.choices,
            "selected": {"org": org, "classification": level, "tag": tag, "q": search},
        },
    )


def dataset(request: HttpRequest, name: str) -> HttpResponse:
    ds = get_dataset(name, actor=request.user)
    if "add_field" in request.GET:  # the "add a filter" form: turn it into a clean, shareable link
        params = request.GET.copy()
        field, op, value = (params.pop(k, [""])[-1] for k in ("add_field", "add_op", "add_value"))
        if field and op in OPS and (value or op in {"isnull", "notnull"}):
            params.appendlist(f"{field}__{op}", value or "1")
        params.pop("page", None)
        return redirect(f"{reverse('catalog:dataset', kwargs={'name': ds.name})}?{params.urlencode()}")
    return _grid_page(request, ds, request.GET, view=None)


def saved_view(request: HttpRequest, name: str, slug: str) -> HttpResponse:
    ds = get_dataset(name, actor=request.user)
    view = get_object_or_404(SavedView, dataset=ds, slug=slug)
    params = QueryDict(view.query, mutable=True)
    for key in ("page", "size"):
        if key in request.GET:
            params[key] = request.GET[key]
    return _grid_page(request, ds, params, view=view)


def _grid_page(request: HttpRequest, ds: Dataset, params: Any, view: SavedView | None) -> HttpResponse:
    page = grid_page(ds, params, actor=request.user)
    if page.as_of is None:
        index_for_query(ds, page.query)
    context = {
        "dataset": ds,
        "grid": replace(page, facets=facets_for_display(page.facets)),
        "links": grid_links(page),
        "rights": page.rights,
        "fields": page.fields,
        "query": page.query.querystring(page=1),
        "saved_view": view,
        "ops": OPS,
        "sizes": SIZES,
        "editable": page.rights.can_edit and page.as_of is None,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "grid":
        return render(request, "catalog/_grid.html", context)
    context.update(
        {
            "formats": list(FORMATS),
            # evaluated once: the template reads the latest revision and then the list
            "revisions": list(ds.revisions.select_related("author")[:10]),
            "views": ds.views.all(),
            "view_form": SavedViewForm(),
            "hidden_columns": sum(1 for c in page.columns if c.masked) or page.field_count - len(page.fields),
            "schema": schema_rows(page.fields),
        }
    )
    return render(request, "catalog/dataset.html", context)


def schema_rows(fields: Sequence[Field]) -> list[tuple[Field, str, str]]:
    """(field, type in words, classification in words) for the columns table; looked up in one dict each
    (Django's get_FOO_display rebuilds its choices on every call)."""
    types = {value: str(label) for value, label in FieldType.choices}
    levels = {value: str(label) for value, label in Level.choices}
    return [(f, types.get(f.type, f.type), levels.get(f.classification, f.classification)) for f in fields]


def cell_text(value: Any) -> str:
    """How a value reads in the grid: the one display rule (kaidan.core.display): はい/いいえ for yes/no,
    2026年12月1日 for dates in Japanese (ISO in English), numbers as stored.

    Formatting here rather than in the template keeps a 50 × 30 grid cheap to render.
    """
    return display_value(value)


def facets_for_display(facets: list[Facet]) -> list[Facet]:
    """Facet values and counts as people read them (はい 82, 2026年12月1日 3, 三宿 10,250); links unchanged."""
    return [
        replace(
            f, values=[(None if v is None else display_value(v), count(n), link) for v, n, link in f.values]
        )
        for f in facets
    ]


# Column widths in rem (the CSS has one class per step, .gw-3 … .gw-24): (least, most) by type. A
# column is as wide as its header or its longest value on the page, within those bounds; longer text is
# cut with an ellipsis (the full value is the cell's title).
WIDTHS: dict[str, tuple[int, int]] = {
    "text": (5, 20),
    "integer": (4, 9),
    "decimal": (4, 10),
    "date": (6, 7),
    "datetime": (8, 11),
    "time": (4, 6),
    "boolean": (3, 5),
    "postal_code": (5, 6),
    "phone": (6, 9),
    "latitude": (5, 8),
    "longitude": (5, 8),
    "code": (4, 12),
}
MAX_WIDTH = 24


@functools.cache
def _wide_bmp() -> frozenset[str]:
    """The wide (CJK, full-width) characters of the Basic Multilingual Plane (about 30,000): counting them
    with one set lookup per character, in C (map), is several times faster than a Python call each."""
    return frozenset(chr(c) for c in range(0x1100, 0x10000) if unicodedata.east_asian_width(chr(c)) in "WF")


def text_width(text: str) -> float:
    """Approximate width in rem: wide (CJK, full-width) characters 1, others .55."""
    if text.isascii():
        return len(text) * 0.55
    if max(text) > "\uffff":  # beyond the BMP (rare: 𠮷): character by character
        return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)
    wide = sum(map(_wide_bmp().__contains__, text))
    return wide + (len(text) - wide) * 0.55


def column_width(
    field_type: str, label: str, texts: Sequence[str], widths: Sequence[float] | None = None
) -> int:
    """The column's width step: as wide as its header or its longest text (`widths`: their text_width, when
    the caller has them), within the type's bounds."""
    least, most = WIDTHS.get(field_type, (5, 20))
    header = text_width(label) + 1.5  # the sort mark and padding
    measured = widths if widths is not None else [text_width(t) for t in texts]
    longest = max(measured, default=0.0) + 1
    return max(3, min(MAX_WIDTH, math.ceil(max(least, min(most, longest), min(header, 12)))))


def grid_links(page: GridPage) -> dict[str, Any]:
    """Everything the grid template links to, built here so the template stays declarative."""
    q = page.query
    shown: dict[tuple[type, str], str] = {}  # values repeat (dates, numbers): each is formatted once a page

    def text(value: Any) -> str:
        if type(value) is str:
            return value
        key = (type(value), repr(value))  # repr: Decimal("1.0") == Decimal("1.00"), yet they read differently
        if key not in shown:
            shown[key] = cell_text(value)
        return shown[key]

    texts = [[text(v) for v in row.values] for row in page.rows]
    widths = [[text_width(t) for t in row] for row in texts]
    headers = []
    for i, column in enumerate(page.columns):
        state = ""
        if q.sort is not None and q.sort.pk == column.field.pk:
            state = "descending" if q.descending else "ascending"
        width = column_width(
            column.field.type, column.field.label, [t[i] for t in texts], [w[i] for w in widths]
        )
        headers.append((column, "" if column.masked else q.sorted_by(column.field), state, width))
    limits = [h[3] for h in headers]
    last = page.pages
    record_url = reverse("editing:record", kwargs={"name": page.dataset_name, "row_id": 0})
    as_of = f"?as_of={page.as_of}" if page.as_of else ""
    return {
        "headers": headers,
        "filters": [(f, OPS[f.op], q.without_filter(f)) for f in q.filters],
        "body": grid_body(page, texts, widths, limits, record_url, as_of),
        "first": q.querystring(page=1) if q.page > 1 else "",
        "prev": q.querystring(page=q.page - 1) if q.page > 1 else "",
        "next": q.querystring(page=q.page + 1) if q.page < last else "",
        "last": q.querystring(page=last) if q.page < last else "",
    }


def grid_body(
    page: GridPage,
    texts: list[list[str]],
    widths: list[list[float]],
    limits: list[int],
    record_url: str,
    as_of: str,
) -> str:
    """The grid's rows as HTML, built here: a 50-row page has some 2,000 template variables, and rendering
    them through the template engine took most of the page's time (bench/grid_load_bench.py). Every text is
    escaped; a cell whose text may not fit its column carries the full text as its title."""
    cells_of = [
        (f' data-field="{c.field.pk}"' + (' class="masked"' if c.masked else ""), w)
        for c, w in zip(page.columns, limits, strict=True)
    ]
    out: list[str] = []
    for row, row_texts, row_widths in zip(page.rows, texts, widths, strict=True):
        url = html.escape(record_url.replace("/0/", f"/{row.row_id}/", 1) + as_of)
        out.append(
            f'<tr data-row="{row.row_id}" data-rev="{row.rev}">\n    '
            f'<th scope="row"><a href="{url}">{row.row_id}</a></th>\n    '
        )
        for text, text_w, (attrs, width) in zip(row_texts, row_widths, cells_of, strict=True):
            shown = html.escape(text)
            title = f' title="{shown}"' if text_w + 1 > width else ""
            out.append(f"<td{attrs}{title}>{shown}</td>")
        out.append("\n  </tr>")
    return mark_safe("".join(out))  # noqa: S308 — every interpolated text is escaped above


@login_required
@require_POST
def create_view(request: HttpRequest, name: str) -> HttpResponse:
    ds = get_dataset(name, "object.edit", actor=request.user)
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(
            f"{reverse('catalog:dataset', kwargs={'name': ds.name})}?{request.POST.get('query', '')}"
        )
    query = grid_query(ds, QueryDict(request.POST.get("query", "")), actor=request.user)
    view = save_view(ds, actor=request.user, title=form.cleaned_data["title"], query=query)
    messages.success(
        request, _("The view “%(title)s” was saved. Its link can be shared.") % {"title": view.title}
    )
    return redirect("catalog:view", name=ds.name, slug=view.slug)


@login_required
@require_POST
def remove_view(request: HttpRequest, name: str, slug: str) -> HttpResponse:
    ds = get_dataset(name, actor=request.user)
    view = get_object_or_404(SavedView, dataset=ds, slug=slug)
    delete_view(view, actor=request.user)
    messages.success(request, _("The view “%(title)s” was deleted.") % {"title": view.title})
    return redirect("catalog:dataset", name=ds.name)


def export(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    ds = get_dataset(name, "object.export", actor=request.user)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        fmt = "csv"
    revision = request.GET.get("revision")
    as_of = int(revision) if revision and revision.isdigit() else None
    filtered = any(key not in {"format", "revision"} for key in request.GET)
    query = grid_query(ds, request.GET, actor=request.user) if filtered else None
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 — closed by FileResponse
    try:
        export_dataset(ds, actor=request.user, fmt=fmt, revision=as_of, out=spool, query=query)  # type: ignore[arg-type]
    except ExportRejected as exc:
        spool.close()
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    spool.seek(0)
    usage.count_download(ds)
    content_type, ext = FORMATS[fmt]
    suffix = f"-r{as_of}" if as_of else ""
    return FileResponse(
        spool, as_attachment=True, filename=f"{ds.name}{suffix}.{ext}", content_type=content_type
    )
