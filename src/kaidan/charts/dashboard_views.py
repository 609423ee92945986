"""Dashboards for staff: tiles of charts and numbers, live with the master data, shared like datasets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaidan.access.levels import Level
from kaidan.access.services import organizations_of, rights
from kaidan.accounts.models import Organization
from kaidan.sharing.services import grant_access

from . import publicity, selectors, services
from .downloads import respond
from .models import TileSize


@login_required
def dashboard_list(request: HttpRequest) -> HttpResponse:
    orgs = organizations_of(actor=request.user)
    if request.method == "POST":
        owner = next((o for o in orgs if str(o.pk) == request.POST.get("owner")), None)
        title = request.POST.get("title", "").strip()[:200]
        if owner is not None and title:
            dashboard = services.create_dashboard(
                actor=request.user,
                title=title,
                owner=owner,
                classification=request.POST.get("classification") or Level.INTERNAL,
                description=request.POST.get("description", "").strip(),
                slug=request.POST.get("slug", "").strip(),
            )
            return redirect("charts:dashboard", slug=dashboard.slug)
        messages.error(request, _("Give the dashboard a title and an organization."))
    return render(
        request,
        "charts/dashboard_list.html",
        {
            "dashboards": selectors.visible_dashboards(actor=request.user),
            "organizations": orgs,
            "levels": [(level.value, level.label) for level in Level],
        },
    )


@login_required
def dashboard_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dashboard = selectors.get_dashboard(slug, actor=request.user)
    r = rights(dashboard, actor=request.user)
    partners = (
        Organization.objects.exclude(kind=Organization.Kind.PUBLIC)
        .exclude(pk=dashboard.owner_id)
        .order_by("name")
        if r.can_manage
        else []
    )
    return render(
        request,
        "charts/dashboard_detail.html",
        {
            "dashboard": dashboard,
            "tiles": selectors.tiles(dashboard, actor=request.user),
            "can_edit": r.can_edit,
            "can_manage": r.can_manage,
            "reasons": publicity.reasons(dashboard) if r.can_manage else [],
            "is_public": publicity.is_public(dashboard),
            "sizes": TileSize.choices,
            "charts": selectors.visible_charts(actor=request.user) if r.can_edit else [],
            "organizations": partners,
        },
    )


@login_required
def tile_file(request: HttpRequest, slug: str, tile_id: int, fmt: str) -> HttpResponse:
    """One tile drawn from the current data as the viewer sees it (PNG, SVG or CSV)."""
    dashboard = selectors.get_dashboard(slug, actor=request.user)
    tile = selectors.get_tile(dashboard, tile_id)
    shown = selectors.show(tile.chart, actor=request.user, on_dashboard=True)
    if shown.data is None:
        return HttpResponse(_("Not available to you."), status=404, content_type="text/plain; charset=utf-8")
    return respond(
        shown.data,
        tile.chart.title,
        fmt,
        f"{dashboard.slug}-{tile.pk}",
        narrow=request.GET.get("narrow") == "1",
    )


@login_required
@require_POST
def tile_add(request: HttpRequest) -> HttpResponse:
    dashboard = selectors.get_dashboard(request.POST.get("dashboard", ""), actor=request.user)
    chart = selectors.get_chart(int(request.POST.get("chart") or 0), actor=request.user)
    asked = request.POST.get("size") or ""
    size = asked if asked in TileSize.values else TileSize.MEDIUM
    services.add_tile(dashboard, chart, actor=request.user, size=size)
    return redirect("charts:dashboard", slug=dashboard.slug)


@login_required
@require_POST
def tile_change(request: HttpRequest, slug: str, tile_id: int) -> HttpResponse:
    dashboard = selectors.get_dashboard(slug, actor=request.user)
    tile = selectors.get_tile(dashboard, tile_id)
    what = request.POST.get("do", "")
    if what in ("up", "down"):
        services.move_tile(tile, -1 if what == "up" else 1, actor=request.user)
    elif what == "remove":
        services.remove_tile(tile, actor=request.user)
    elif what in TileSize.values:
        services.resize_tile(tile, what, actor=request.user)
    return redirect("charts:dashboard", slug=dashboard.slug)


@login_required
@require_POST
def dashboard_publish(request: HttpRequest, slug: str) -> HttpResponse:
    dashboard = selectors.get_dashboard(slug, actor=request.user)
    if request.POST.get("do") == "unpublish":
        services.unpublish_dashboard(dashboard, actor=request.user)
        messages.success(request, _("The dashboard is no longer on the open-data portal."))
    else:
        try:
            services.publish_dashboard(dashboard, actor=request.user)
            messages.success(request, _("The dashboard is published on the open-data portal."))
        except services.PublishRefused as refused:
            for reason in refused.reasons:
                messages.error(request, reason)
    return redirect("charts:dashboard", slug=dashboard.slug)


@login_required
@require_POST
def dashboard_share(request: HttpRequest, slug: str) -> HttpResponse:
    """Let the members of an organization see the dashboard (each still sees only their own data)."""
    dashboard = selectors.get_dashboard(slug, actor=request.user)
    organization = Organization.objects.filter(pk=request.POST.get("organization") or 0).first()
    if organization is not None:
        level = Level(dashboard.classification)
        clearance = level if level.rank > Level.LIMITED.rank else Level.LIMITED
        try:
            grant_access(dashboard, actor=request.user, organization=organization, clearance=clearance)
            messages.success(request, _("Shared with %(org)s.") % {"org": organization.name})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("charts:dashboard", slug=dashboard.slug)
