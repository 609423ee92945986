"""Writes for charts and dashboards: atomic, audited, permission checked once here.

Creating a chart checks its spec against the *author's* columns (a column they may not see cannot be
chosen); each later reader's columns are checked again when it is shown (kaidan.charts.data.chart_data).
Dashboards are shared like datasets (grants through kaidan.sharing) and published on the portal only
through the public gate (kaidan.charts.publicity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor, account_of, is_superuser
from kaidan.access.levels import Level
from kaidan.access.services import organizations_of, require
from kaidan.accounts.models import Organization
from kaidan.analysis.models import SavedQuery
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset
from kaidan.core.errors import DomainError, Forbidden

from . import data, publicity
from .models import Chart, Dashboard, Tile, TileSize
from .spec import ChartSpec


class PublishRefused(DomainError):
    status = 409
    default = gettext_lazy("The dashboard cannot be published.")

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("\n".join(reasons))


def _own_organization(owner: Organization, *, actor: Actor) -> None:
    if not is_superuser(actor=actor) and owner not in organizations_of(actor=actor):
        raise Forbidden()


def _level(classification: str) -> str:
    return Level(classification).value


def create_chart(
    *,
    actor: Actor,
    title: str,
    owner: Organization,
    spec: Mapping[str, Any],
    dataset: Dataset | None = None,
    query: SavedQuery | None = None,
    classification: str = Level.INTERNAL,
    description: str = "",
) -> Chart:
    """A chart over a dataset or a saved query the author may see, in one of the author's organizations."""
    _own_organization(owner, actor=actor)
    if (dataset is None) == (query is None):
        raise ValueError("a chart reads exactly one dataset or saved query")
    chart = Chart(title=title, owner=owner, dataset=dataset, query=query, description=description)
    chart.classification = _level(classification)
    parsed = ChartSpec.from_json(spec)
    source = data.source_of(chart, actor=actor)
    parsed.validate(source.columns)
    chart.spec = parsed.to_json()
    with transaction.atomic():
        chart.created_by = account_of(actor=actor)
        chart.save()
        record("charts.chart.create", None, actor=actor, detail={"chart": chart.pk, "title": title})
    return chart


def update_chart(
    chart: Chart,
    *,
    actor: Actor,
    title: str | None = None,
    spec: Mapping[str, Any] | None = None,
    classification: str | None = None,
    description: str | None = None,
) -> Chart:
    require("object.edit", chart, actor=actor)
    if spec is not None:
        parsed = ChartSpec.from_json(spec)
        parsed.validate(data.source_of(chart, actor=actor).columns)
        chart.spec = parsed.to_json()
    if classification is not None:
        require("object.manage", chart, actor=actor)
        chart.classification = _level(classification)
    if title is not None:
        chart.title = title
    if description is not None:
        chart.description = description
    with transaction.atomic():
        chart.save()
        record("charts.chart.change", None, actor=actor, detail={"chart": chart.pk})
    return chart


def delete_chart(chart: Chart, *, actor: Actor) -> None:
    require("object.delete", chart, actor=actor)
    with transaction.atomic():
        record("charts.chart.delete", None, actor=actor, detail={"chart": chart.pk, "title": chart.title})
        chart.delete()


def _unique_slug(title: str, slug: str = "") -> str:
    base = slugify(slug or title) or "dashboard"
    candidate, n = base[:90], 2
    while Dashboard.objects.filter(slug=candidate).exists():
        candidate, n = f"{base[:90]}-{n}", n + 1
    return candidate


def create_dashboard(
    *,
    actor: Actor,
    title: str,
    owner: Organization,
    classification: str = Level.INTERNAL,
    description: str = "",
    slug: str = "",
) -> Dashboard:
    _own_organization(owner, actor=actor)
    with transaction.atomic():
        dashboard = Dashboard.objects.create(
            title=title,
            owner=owner,
            classification=_level(classification),
            description=description,
            slug=_unique_slug(title, slug),
            created_by=account_of(actor=actor),
        )
        record("charts.dashboard.create", None, actor=actor, detail={"dashboard": dashboard.slug})
    return dashboard


def update_dashboard(
    dashboard: Dashboard,
    *,
    actor: Actor,
    title: str | None = None,
    description: str | None = None,
    classification: str | None = None,
) -> Dashboard:
    require("object.edit", dashboard, actor=actor)
    if classification is not None:
        require("object.manage", dashboard, actor=actor)
        dashboard.classification = _level(classification)
    if title is not None:
        dashboard.title = title
    if description is not None:
        dashboard.description = description
    with transaction.atomic():
        if dashboard.published and publicity.reasons(dashboard):
            dashboard.published = False
        dashboard.save()
        record("charts.dashboard.change", None, actor=actor, detail={"dashboard": dashboard.slug})
    return dashboard


def add_tile(dashboard: Dashboard, chart: Chart, *, actor: Actor, size: str = TileSize.MEDIUM) -> Tile:
    """A chart the editor may see, placed last on the dashboard."""
    require("object.edit", dashboard, actor=actor)
    require("object.view", chart, actor=actor)
    with transaction.atomic():
        last = dashboard.tiles.aggregate(m=Max("position"))["m"]
        tile = Tile.objects.create(
            dashboard=dashboard,
            chart=chart,
            position=0 if last is None else last + 1,
            size=TileSize(size).value,
        )
        record(
            "charts.dashboard.change",
            None,
            actor=actor,
            detail={"dashboard": dashboard.slug, "tile": tile.pk, "chart": chart.pk},
        )
    return tile


def move_tile(tile: Tile, offset: int, *, actor: Actor) -> None:
    """Move a tile earlier (-1) or later (+1), swapping places with its neighbour."""
    require("object.edit", tile.dashboard, actor=actor)
    with transaction.atomic():
        ordered = list(tile.dashboard.tiles.order_by("position", "pk"))
        index = next(i for i, t in enumerate(ordered) if t.pk == tile.pk)
        other = index + offset
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered):
            if item.position != position:
                Tile.objects.filter(pk=item.pk).update(position=position)
        record("charts.dashboard.change", None, actor=actor, detail={"dashboard": tile.dashboard.slug})


def resize_tile(tile: Tile, size: str, *, actor: Actor) -> None:
    require("object.edit", tile.dashboard, actor=actor)
    with transaction.atomic():
        tile.size = TileSize(size).value
        tile.save(update_fields=["size"])
        record("charts.dashboard.change", None, actor=actor, detail={"dashboard": tile.dashboard.slug})


def remove_tile(tile: Tile, *, actor: Actor) -> None:
    require("object.edit", tile.dashboard, actor=actor)
    with transaction.atomic():
        record(
            "charts.dashboard.change",
            None,
            actor=actor,
            detail={"dashboard": tile.dashboard.slug, "removed": tile.pk},
        )
        tile.delete()


def publish_dashboard(dashboard: Dashboard, *, actor: Actor) -> Dashboard:
    """Put the dashboard on the open-data portal, or refuse with every reason it may not be public."""
    require("object.manage", dashboard, actor=actor)
    found = publicity.reasons(dashboard)
    if found:
        raise PublishRefused(found)
    with transaction.atomic():
        dashboard.published = True
        dashboard.save(update_fields=["published", "updated_at"])
        record("charts.dashboard.publish", None, actor=actor, detail={"dashboard": dashboard.slug})
    return dashboard


def unpublish_dashboard(dashboard: Dashboard, *, actor: Actor) -> Dashboard:
    require("object.manage", dashboard, actor=actor)
    with transaction.atomic():
        dashboard.published = False
        dashboard.save(update_fields=["published", "updated_at"])
        record("charts.dashboard.unpublish", None, actor=actor, detail={"dashboard": dashboard.slug})
    return dashboard
