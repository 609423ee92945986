"""Reads for the share-link pages: a sharer's links with their access logs, and a link's dataset view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Prefetch
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kaidan.access.actors import Actor
from kaidan.catalog.describe import describe_query
from kaidan.catalog.models import Dataset
from kaidan.catalog.query import CONTROL, GridQuery
from kaidan.catalog.selectors import GridPage, grid_query, query_rows

from .models import LinkAccess, ShareLink

LOG_ROWS = 50


@dataclass(frozen=True)
class LinkRow:
    link: ShareLink
    accesses: list[LinkAccess]
    filter_words: str = ""
    """The view's filter in words (「地区が三宿」), as the sharer may read it now."""


def filter_words(link: ShareLink, *, actor: Actor) -> str:
    """A dataset link's filter in words, read against the columns `actor` may see now."""
    if not link.query or link.dataset is None:
        return ""
    query = grid_query(
        link.dataset, QueryDict(link.query), actor=actor
    )  # never a column the actor cannot see
    words = describe_query(query) if query.filters else ""
    params = QueryDict(link.query)
    raw = sum(1 for key, values in params.lists() for v in values if key not in CONTROL and "__" in key and v)
    if len(query.filters) < raw:  # a filter on a column the sharer can no longer see: never its name
        hidden = _("a filter on a column you can no longer see")
        words = f"{words}{pgettext('filters', ' and ')}{hidden}" if words else hidden
    return words


def links_created_by(user: Any) -> list[LinkRow]:
    """The user's links, newest first, each with its latest accesses (the log the sharer reviews)."""
    links = (
        ShareLink.objects.filter(created_by=user)
        .select_related("document", "dataset", "saved_view", "revoked_by")
        .prefetch_related(Prefetch("accesses", queryset=LinkAccess.objects.order_by("-at", "-pk")))
    )
    return [
        LinkRow(link, list(link.accesses.all())[:LOG_ROWS], filter_words(link, actor=user)) for link in links
    ]


def view_page(dataset: Dataset, query: GridQuery, *, actor: Actor) -> GridPage:
    """One page of the shared view, through the catalog's one read path (masked as `actor` sees it)."""
    return query_rows(dataset, query, actor=actor)


def expiring_links(user: Any, *, within: timedelta = timedelta(days=7), limit: int = 10) -> list[ShareLink]:
    """The user's links still open that expire within `within`, soonest first (for the staff home)."""
    now = timezone.now()
    return list(
        ShareLink.objects.filter(
            created_by=user, revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=now + within
        )
        .select_related("document", "dataset")
        .order_by("expires_at", "pk")[:limit]
    )
