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
