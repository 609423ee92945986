"""Charts for staff: build one without code over a dataset or saved query, see it, download it (PNG, SVG, CSV)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaidan.access.levels import Level
from kaidan.access.services import organizations_of, rights
from kaidan.analysis import engine
from kaidan.catalog.selectors import list_datasets

from . import data, selectors, services
from .downloads import respond
from .forms import builder
from .models import Chart, TileSize
from .spec import AGGREGATES, CHART_TYPES, OPS, ChartSpec, SpecInvalid


@login_required
def chart_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "charts/chart_list.html",
        {
            "charts": selectors.visible_charts(actor=request.user),
            "datasets": list_datasets(actor=request.user),
            "queries": selectors.saved_queries(actor=request.user),
        },
    )


def _builder_page(request: HttpRequest, chart: Chart | None = None) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    state = builder(params, actor=request.user, chart=chart)
    if state.dataset is None and state.query is None:
        return redirect("charts:list")
    columns, error, shown = [], "", None
    try:
        source = data.source_of(state, actor=request.user)
        columns = source.columns
        if state.asked:
            spec = ChartSpec.from_json(state.spec)
            shown = data.aggregate(spec, source, actor=request.user)
    except (SpecInvalid, engine.QueryRefused) as exc:
        error = str(exc)
    orgs = organizations_of(actor=request.user)
    if request.method == "POST" and shown is not None and not error:
        owner = next((o for o in orgs if str(o.pk) == state.owner), orgs[0] if orgs else None)
        if owner is not None:
            title = state.title or _("Untitled chart")
            try:
                if chart is None:
                    chart = services.create_chart(
                        actor=request.user,
                        title=title,
                        owner=owner,
                        spec=state.spec,
                        dataset=state.dataset,
                        query=state.query,
                        classification=state.classification,
                        description=state.description,
                    )
                else:
                    services.update_chart(
                        chart,
                        actor=request.user,
                        title=title,
                        spec=state.spec,
                        description=state.description,
                        classification=state.classification
                        if rights(chart, actor=request.user).can_manage
                        else None,
                    )
                return redirect("charts:detail", pk=chart.pk)
            except SpecInvalid as exc:
                error = str(exc)
    return render(
        request,
        "charts/builder.html",
        {
            "state": state,
            "chart": chart,
            "columns": columns,
            "shown": shown,
            "error": error,
            "types": CHART_TYPES.items(),
            "aggregates": AGGREGATES.items(),
            "ops": OPS.items(),
            "levels": [(level.value, level.label) for level in Level],
            "organizations": orgs,
        },
        status=400 if error and request.method == "POST" else 200,
    )


@login_required
def chart_new(request: HttpRequest) -> HttpResponse:
    return _builder_page(request)


@login_required
def chart_edit(request: HttpRequest, pk: int) -> HttpResponse:
    chart = selectors.get_chart(pk, actor=request.user)
    if not rights(chart, actor=request.user).can_edit:
        return redirect("charts:detail", pk=pk)
    return _builder_page(request, chart)


@login_required
def preview(request: HttpRequest, fmt: str) -> HttpResponse:
    """The builder's chart as an image or CSV, before it is saved (as the requester, like everything)."""
    state = builder(request.GET, actor=request.user)
    if state.dataset is None and state.query is None:
        raise Http404("no source")
    try:
        source = data.source_of(state, actor=request.user)
        shown = data.aggregate(ChartSpec.from_json(state.spec), source, actor=request.user)
    except (SpecInvalid, engine.QueryRefused) as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return respond(
        shown, state.title or _("Untitled chart"), fmt, "chart", narrow=request.GET.get("narrow") == "1"
    )


@login_required
def chart_detail(request: HttpRequest, pk: int) -> HttpResponse:
    chart = selectors.get_chart(pk, actor=request.user)
    r = rights(chart, actor=request.user)
    return render(
        request,
        "charts/chart_detail.html",
        {
            "chart": chart,
            "shown": selectors.show(chart, actor=request.user),
            "can_edit": r.can_edit,
            "can_delete": r.can_manage,
            "dashboards": [
                d
                for d in selectors.visible_dashboards(actor=request.user)
                if rights(d, actor=request.user).can_edit
            ],
            "sizes": TileSize.choices,
        },
    )


@login_required
def chart_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The saved chart drawn from the current data as the requester sees it (PNG, SVG or CSV)."""
    chart = selectors.get_chart(pk, actor=request.user)
    shown = selectors.show(chart, actor=request.user)
    if shown.data is None:
        return HttpResponse(
            shown.error or _("Not available to you."),
            status=404 if shown.unavailable else 400,
            content_type="text/plain; charset=utf-8",
        )
    return respond(shown.data, chart.title, fmt, f"chart-{chart.pk}", narrow=request.GET.get("narrow") == "1")


@login_required
@require_POST
def chart_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_chart(selectors.get_chart(pk, actor=request.user), actor=request.user)
    return redirect("charts:list")
