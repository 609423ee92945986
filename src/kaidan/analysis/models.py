from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedQuery(models.Model):
    """A query kept by its author, optionally shared with the members of one of the author's organizations.

    Sharing a query shares the SQL, never its results: each reader runs it over their own visible relations.
    """

    title = models.CharField(_("title"), max_length=200)
    sql = models.TextField(_("SQL"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shared_with = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class Boundary(models.Model):
    """A district boundary file (GeoJSON FeatureCollection of Polygon/MultiPolygon) its author uploaded for
    choropleth maps, validated on upload (kaidan.analysis.boundaries). `key` is the feature property that
    names each district, joined to a dataset's district column. Only its author sees it: a boundary carries
    no master data, but it is the author's file."""

    title = models.CharField(_("title"), max_length=200)
    key = models.CharField(_("district property"), max_length=200)
    geojson = models.JSONField(_("GeoJSON"))
    features = models.PositiveIntegerField(_("features"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title
