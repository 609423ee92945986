"""Charts (a saved question over a dataset or a saved query) and dashboards (tiles of charts on one page).

Neither stores numbers: a chart's figures are aggregated when it is shown, by the analysis engine as the
reader, over the reader's own visible relations (kaidan.charts.data). Both are classified objects, so who may
see them follows the same rules, grants and undecided state as a dataset (kaidan.access.services.rights).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaidan.access.models import Classified


class Chart(Classified):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    dataset = models.ForeignKey(
        "catalog.Dataset", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    query = models.ForeignKey(
        "analysis.SavedQuery", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    spec = models.JSONField(_("chart"), default=dict)
    """kaidan.charts.spec.ChartSpec as JSON: type, dimension, series, measure, filters, limit."""
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("chart")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dataset__isnull=False, query__isnull=True)
                | models.Q(dataset__isnull=True, query__isnull=False),
                name="chart_one_source",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Dashboard(Classified):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("machine name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    published = models.BooleanField(
        _("published on the open-data portal"),
        default=False,
        help_text=_("Only while every source is public; checked again whenever it is shown."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("dashboard")

    def __str__(self) -> str:
        return self.title


class TileSize(models.TextChoices):
    SMALL = "small", _("Small (a third)")
    MEDIUM = "medium", _("Medium (half)")
    WIDE = "wide", _("Wide (full width)")


class Tile(models.Model):
    """One chart on a dashboard, at a position and a size. A chart of type "number" is a single figure."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="tiles")
    chart = models.ForeignKey(Chart, on_delete=models.CASCADE, related_name="tiles")
    position = models.PositiveIntegerField(_("position"), default=0)
    size = models.CharField(_("size"), max_length=10, choices=TileSize.choices, default=TileSize.MEDIUM)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.dashboard} #{self.position}"
