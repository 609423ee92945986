"""The public open-data portal (no login): the catalogue, a dataset's page, and its streamed downloads.

Thin views over kaidan.opendata.portal (reads as the anonymous visitor) and kaidan.opendata.downloads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from kaidan.catalog import usage
from kaidan.catalog.query import OPS
from kaidan.core.csp import POLICY, header_name
from kaidan.values.messages import Message, gettext_noop

from . import catalog, downloads, portal, standards
from .views import site_url

MAP_LIMIT = 10_000  # points drawn on a map at most (more: filter first, or download GeoJSON)
DOWNLOADS = [  # (format key, label); labels are translated in the template
    ("csv", "CSV (UTF-8 BOM)"),
    ("csv-utf8", "CSV (UTF-8)"),
    ("csv-sjis", "CSV (Shift_JIS)"),
    ("json", "JSON"),
    ("geojson", "GeoJSON"),
    ("xlsx", "XLSX"),
    ("parquet", "Parquet"),
]


CONDITIONS = {
    "q": gettext_lazy("Words"),
    "organization": gettext_lazy("Organization"),
    "tag": gettext_lazy("Tag"),
    "format": gettext_lazy("Format"),
    "updated_after": gettext_lazy("Updated on or after"),
}


def _chip_value(page: portal.CataloguePage, key: str) -> str:
    value = page.selected[key]
    if key == "organization":
        return next((name for code, name, _n in page.facets.organizations if code == value), value)
    return value


def catalogue(request: HttpRequest) -> HttpResponse:
    page = portal.catalogue(request.GET, site_url(request))
    base = {k: v for k, v in page.selected.items() if v}

    def link(**changes: str) -> str:
        params = {**base, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    return render(
        request,
        "opendata/portal_catalogue.html",
        {
            "catalogue": page,
            "sorts": list(portal.SORTS),
            "previous_link": link(page=str(page.page - 1)) if page.page > 1 else "",
            "next_link": link(page=str(page.page + 1)) if page.page < page.pages else "",
            "chips": [
                (CONDITIONS[k], _chip_value(page, k), link(**{k: "", "page": ""}))
                for k in base
                if k in CONDITIONS
            ],
        },
    )


def _published_or_404(name: str) -> Any:
    dataset = portal.find(name)
    if dataset is None:
        raise Http404(name)
    return dataset


def dataset_page(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _published_or_404(name)
    if "add_field" in request.GET:  # the "add a filter" form: turn it into a clean, shareable link
        params = request.GET.copy()
        field, op, value = (params.pop(k, [""])[-1] for k in ("add_field", "add_op", "add_value"))
        if field and op in OPS and (value or op in {"isnull", "notnull"}):
            params.appendlist(f"{field}__{op}", value or "1")
        return redirect(f"{reverse('opendata:portal_dataset', args=[dataset.name])}?{params.urlencode()}")
    grid, query = portal.preview(dataset, request.GET)
    filters = [(key, value) for key, value in query.params(page=False) if key != "size"]
    filtered = urlencode(filters)
    charted = portal.chart_fields(grid.fields)
    chart_field = next(
        (f for f in charted if f.name == request.GET.get("chart")), None
    ) or portal.default_chart_field(dataset, query, charted)
    chart = portal.chart(dataset, query, chart_field) if chart_field is not None else []
    package = catalog.package_dict(dataset, site_url(request))
    has_map = portal.has_map(grid.fields)
    geocoded = None if has_map else portal.geocoded(dataset)
    offered = [
        (key, label)
        for key, label in DOWNLOADS
        if (key != "geojson" or has_map) and (key != "xlsx" or dataset.row_count <= downloads.XLSX_MAX_ROWS)
    ]
    response = render(
        request,
        "opendata/portal_dataset.html",
        {
            "dataset": dataset,
            "package": package,
            "grid": grid,
            "query": query,
            "ops": OPS,
            "filtered": filtered,
            "downloads": offered,
            "history": portal.history(dataset),
            "chart_fields": charted,
            "chart_field": chart_field,
            "chart": chart,
            "chart_data": {"label": chart_field.label if chart_field else "", "values": chart},
            "filter_chips": [
                (flt.field.label, OPS[flt.op], flt.value, query.without_filter(flt)) for flt in query.filters
            ],
            "map_limit": MAP_LIMIT,
            "conformance": standards.cached_check(dataset),
            "has_map": has_map,
            "geocoded": geocoded,
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )
    if (has_map or geocoded) and settings.MAP_TILE_URL:
        tiles = urlsplit(settings.MAP_TILE_URL.replace("{s}", "a"))
        host = f"{tiles.scheme}://{tiles.netloc}".replace("://a.", "://*.")
        response[header_name()] = POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {host}")
    return response


def geocoded(request: HttpRequest, name: str) -> JsonResponse:
    """The rows placed by address from the ward's own list, as GeoJSON (with the count left unplaced)."""
    dataset = _published_or_404(name)
    response = JsonResponse(
        portal.geocoded_features(dataset, MAP_LIMIT), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Type"] = "application/geo+json"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def download(request: HttpRequest, name: str) -> HttpResponseBase:
    """A streamed download: ?format=…, optionally ?revision=N and the preview's filters."""
    dataset = _published_or_404(name)
    fmt = request.GET.get("format", "csv")
    revision_text = request.GET.get("revision", "")
    if revision_text and not revision_text.isdigit():
        problem = Message(gettext_noop("the revision '%(value)s' is not a number"), value=revision_text[:20])
        return HttpResponseBadRequest(problem.bilingual(), content_type="text/plain; charset=utf-8")
    revision = int(revision_text) if revision_text else None
    if revision == dataset.current_revision:
        revision = None
    filtered = any(k not in ("format", "revision") for k in request.GET)
    query = None
    if filtered:
        from kaidan.catalog.selectors import grid_query

        query = grid_query(dataset, request.GET, actor=None, as_of=revision)
    try:
        chunks = downloads.stream(dataset, fmt, revision=revision, query=query)
    except downloads.DownloadRefused as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    usage.count_download(dataset)
    content = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type=downloads.FORMATS[fmt].content_type)
    response["Content-Disposition"] = f'attachment; filename="{downloads.filename(dataset, fmt, revision)}"'
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Kaidan-Revision"] = str(revision or dataset.current_revision)
    return response


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Pull the sync generator one chunk at a time (Django would read a sync iterator whole under ASGI)."""
    pull = sync_to_async(_next_chunk, thread_sensitive=True)
    while True:
        chunk = await pull(chunks)
        if chunk is None:
            return
        yield chunk


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)
