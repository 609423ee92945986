"""Public dashboards on the open-data portal: only while every source is public, checked on every view.

Everything here is aggregated as the anonymous visitor (actor=None), through their visible relations of the
published datasets, whoever is logged in — the same figures for everyone.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import publicity, selectors
from .downloads import respond
from .models import Dashboard


def _public_or_404(slug: str) -> Dashboard:
    dashboard = Dashboard.objects.select_related("owner").filter(slug=slug, published=True).first()
    if dashboard is None or not publicity.is_public(dashboard):
        raise Http404(slug)
    return dashboard


def public_list(request: HttpRequest) -> HttpResponse:
    return render(request, "charts/public_list.html", {"dashboards": publicity.public_dashboards()})


def public_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    dashboard = _public_or_404(slug)
    tiles = selectors.tiles(dashboard, actor=None)
    sources = list(
        {t.tile.chart.dataset_id: t.tile.chart.dataset for t in tiles if t.tile.chart.dataset}.values()
    )
    return render(
        request,
        "charts/public_dashboard.html",
        {"dashboard": dashboard, "tiles": tiles, "sources": sources, "public": True},
    )


def public_tile(request: HttpRequest, slug: str, tile_id: int, fmt: str) -> HttpResponse:
    dashboard = _public_or_404(slug)
    tile = selectors.get_tile(dashboard, tile_id)
    shown = selectors.show(tile.chart, actor=None, on_dashboard=True)
    if shown.data is None:
        return HttpResponse(_("Not available to you."), status=404, content_type="text/plain; charset=utf-8")
    response = respond(
        shown.data,
        tile.chart.title,
        fmt,
        f"{dashboard.slug}-{tile.pk}",
        narrow=request.GET.get("narrow") == "1",
    )
    response["Cache-Control"] = "public, max-age=60"
    return response
