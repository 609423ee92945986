"""Reads of charts and dashboards, already filtered by what the actor may see.

A chart or a dashboard is a classified object: the access service decides who sees it, with the same rules
as a dataset (classification, owner organization, grants, undecided). Seeing a dashboard is not seeing its
data: each tile is aggregated through the viewer's own visible relation, so a tile over a source they may
not see says "not available to you" without naming the source.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kaidan.access.actors import Actor, account_of
from kaidan.access.services import organizations_of, readable_filter, rights
from kaidan.analysis import engine
from kaidan.analysis.models import SavedQuery
from kaidan.core.errors import NotFound

from .data import ChartData, Unavailable, chart_data
from .models import Chart, Dashboard, Tile
from .spec import SpecInvalid


def visible_charts(*, actor: Actor) -> list[Chart]:
    charts = Chart.objects.filter(readable_filter("charts.chart", actor=actor)).select_related(
        "owner", "dataset", "query"
    )
    return [c for c in charts if rights(c, actor=actor).can_read]


def get_chart(pk: int, *, actor: Actor) -> Chart:
    chart = Chart.objects.select_related("owner", "dataset", "query").filter(pk=pk).first()
    if chart is None or not rights(chart, actor=actor).can_read:
        raise NotFound(detail=pk)
    return chart


def visible_dashboards(*, actor: Actor) -> list[Dashboard]:
    dashboards = Dashboard.objects.filter(readable_filter("charts.dashboard", actor=actor)).select_related(
        "owner"
    )
    return [d for d in dashboards if rights(d, actor=actor).can_read]


def get_dashboard(slug: str, *, actor: Actor) -> Dashboard:
    dashboard = Dashboard.objects.select_related("owner").filter(slug=slug).first()
    if dashboard is None or not rights(dashboard, actor=actor).can_read:
        raise NotFound(detail=slug)
    return dashboard


def saved_queries(*, actor: Actor) -> QuerySet[SavedQuery]:
    """The saved queries the actor may chart: their own and those shared with their organizations."""
    account = account_of(actor=actor)
    if account is None:
        return SavedQuery.objects.none()
    orgs = [o.pk for o in organizations_of(actor=actor)]
    return SavedQuery.objects.filter(Q(created_by=account) | Q(shared_with__in=orgs))


def get_saved_query(pk: int, *, actor: Actor) -> SavedQuery:
    query = saved_queries(actor=actor).filter(pk=pk).first()
    if query is None:
        raise NotFound(detail=pk)
    return query


@dataclass
class Shown:
    """A chart as one reader sees it now: its figures, or why there are none (`unavailable`, `error`)."""

    chart: Chart
    data: ChartData | None = None
    unavailable: bool = False
    error: str = ""


def show(chart: Chart, *, actor: Actor, on_dashboard: bool = False) -> Shown:
    """The chart's figures through the reader's own relations. A chart the reader may not see, or whose
    source or columns they may not see, is only "unavailable" — the same answer whatever the reason.

    On a dashboard the reader may see (`on_dashboard`), the chart's question needs no grant of its own:
    the figures are still only what the reader's relations hold."""
    if not on_dashboard and not rights(chart, actor=actor).can_read:
        return Shown(chart, unavailable=True)
    try:
        return Shown(chart, chart_data(chart, actor=actor))
    except Unavailable:
        return Shown(chart, unavailable=True)
    except (SpecInvalid, engine.QueryRefused) as exc:
        return Shown(chart, error=str(exc))


@dataclass
class ShownTile:
    tile: Tile
    shown: Shown


def tiles(dashboard: Dashboard, *, actor: Actor) -> list[ShownTile]:
    """The dashboard's tiles in order, each rendered as the viewer (live: from the current data)."""
    found = dashboard.tiles.select_related("chart", "chart__dataset", "chart__query", "chart__owner")
    return [ShownTile(tile, show(tile.chart, actor=actor, on_dashboard=True)) for tile in found]


def get_tile(dashboard: Dashboard, pk: int) -> Tile:
    tile = dashboard.tiles.select_related("chart", "chart__dataset", "chart__query").filter(pk=pk).first()
    if tile is None:
        raise NotFound(detail=pk)
    return tile
