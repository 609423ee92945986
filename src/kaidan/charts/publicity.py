"""The public gate: a dashboard goes on the open-data portal only when every source is public.

Public means: the dashboard and each of its charts are 公開 and decided; each chart reads a dataset (not a
saved query, whose sources are only known when it runs) that is published as open data, 公開 and decided;
and every column a chart uses (dimension, series, measure, filters) is 公開. The gate is checked when a
manager publishes and again whenever the portal shows the dashboard, so a source reclassified later takes
the dashboard off the portal at once; and what the portal shows is aggregated as the anonymous visitor,
through their visible relations, so even a gap here could not show a restricted value.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kaidan.access.levels import Level

from .models import Chart, Dashboard
from .spec import ChartSpec, SpecInvalid


def _chart_reasons(chart: Chart) -> list[str]:
    reasons: list[str] = []
    name = chart.title
    if chart.classification != Level.PUBLIC or chart.undecided:
        reasons.append(_("The chart “%(chart)s” is not classified 公開.") % {"chart": name})
    if chart.dataset is None:
        reasons.append(
            _("The chart “%(chart)s” reads a saved query: only charts over published datasets can be public.")
            % {"chart": name}
        )
        return reasons
    dataset = chart.dataset
    if not dataset.published or dataset.classification != Level.PUBLIC or dataset.undecided:
        reasons.append(
            _("The chart “%(chart)s” reads a dataset that is not published as open data.") % {"chart": name}
        )
        return reasons
    try:
        used = ChartSpec.from_json(chart.spec).columns_used()
    except SpecInvalid:
        used = []
    fields = {f.name: f for f in dataset.live_fields()}
    for column in used:
        fld = fields.get(column)
        if fld is None or fld.classification != Level.PUBLIC:
            reasons.append(_("The chart “%(chart)s” uses a column that is not 公開.") % {"chart": name})
            break
    return reasons


def reasons(dashboard: Dashboard) -> list[str]:
    """Why the dashboard may not be public now (empty when it may)."""
    found: list[str] = []
    if dashboard.classification != Level.PUBLIC or dashboard.undecided:
        found.append(_("The dashboard is not classified 公開."))
    charts = [t.chart for t in dashboard.tiles.select_related("chart", "chart__dataset")]
    if not charts:
        found.append(_("The dashboard has no tiles."))
    for chart in charts:
        found += _chart_reasons(chart)
    return found


def is_public(dashboard: Dashboard) -> bool:
    return dashboard.published and not reasons(dashboard)


def public_dashboards() -> list[Dashboard]:
    """The dashboards on the portal now: published, and passing the gate at this moment."""
    return [d for d in Dashboard.objects.filter(published=True).select_related("owner") if not reasons(d)]
