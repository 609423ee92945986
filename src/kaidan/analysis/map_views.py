"""The analysis map: points of a dataset or saved query, and a district choropleth from an uploaded boundary
file. Thin over kaidan.analysis.maps and kaidan.analysis.boundaries."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kaidan.catalog.selectors import list_datasets
from kaidan.core.errors import NotFound

from . import boundaries, engine, maps


def _choices(request: HttpRequest) -> list[tuple[str, str]]:
    datasets = [(f"dataset:{d.name}", d.title) for d in list_datasets(actor=request.user)]
    return datasets + [(f"query:{q.pk}", q.title) for q in maps.saved_queries(actor=request.user)]


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    kind = "choropleth" if params.get("kind") == "choropleth" else "points"
    context: dict[str, Any] = {
        "sources": _choices(request),
        "boundaries": boundaries.list_boundaries(actor=request.user),
        "selected": {k: params.get(k, "") for k in ("source", "boundary", "district", "measure", "value")},
        "kind": kind,
        "max_points": maps.MAX_POINTS,
        "max_mb": boundaries.MAX_BYTES // 1024 // 1024,
        "map_tiles": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        "upload_error": request.session.pop("boundary_error", ""),
    }
    status = 200
    src = maps.source(params.get("source", ""), actor=request.user) if params.get("source") else None
    context["source"] = src
    try:
        if src is not None and kind == "points":
            context["points"] = maps.points(src, actor=request.user)
            if context["points"] is not None:
                context["points_data"] = [list(p) for p in context["points"].points]
        elif src is not None and params.get("boundary", "").isdigit() and params.get("district"):
            boundary = boundaries.get_boundary(int(params["boundary"]), actor=request.user)
            context["boundary"] = boundary
            context["choropleth"] = maps.choropleth(
                src,
                boundary,
                params["district"],
                params.get("measure", "count"),
                params.get("value", ""),
                actor=request.user,
            )
    except engine.QueryRefused as exc:
        context["error"] = str(exc)
        status = 400
    except NotFound:
        context["error"] = str(NotFound.default)
        status = 404
    return render(request, "analysis/map.html", context, status=status)


@login_required
@require_POST
def upload_boundary(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    back = {k: request.POST.get(k, "") for k in ("source", "district", "measure", "value")}
    back["kind"] = "choropleth"
    try:
        if upload is None:
            raise boundaries.no_file()
        if upload.size and upload.size > boundaries.MAX_BYTES:
            raise boundaries.too_large(upload.size)  # before the file is read
        data = upload.read()
        boundary = boundaries.upload_boundary(
            data,
            title=request.POST.get("title", "") or upload.name or "",
            key=request.POST.get("key", ""),
            actor=request.user,
        )
        back["boundary"] = str(boundary.pk)
    except boundaries.BoundaryRejected as exc:
        request.session["boundary_error"] = str(exc)
    return redirect(f"/analysis/map/?{urlencode({k: v for k, v in back.items() if v})}")
