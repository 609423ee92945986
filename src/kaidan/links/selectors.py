"""Reads for the share-link pages: a sharer's links with their access logs, and a link's dataset view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from kaidan.access.actors import Actor
from kaidan.catalog.models import Dataset
from kaidan.catalog.query import GridQuery
from kaidan.catalog.selectors import GridPage, query_rows

from .models import LinkAccess, ShareLink

LOG_ROWS = 50


@dataclass(frozen=True)
class LinkRow:
    link: ShareLink
    accesses: list[LinkAccess]


def links_created_by(user: Any) -> list[LinkRow]:
    """The user's links, newest first, each with its latest accesses (the log the sharer reviews)."""
    links = (
        ShareLink.objects.filter(created_by=user)
        .select_related("document", "dataset", "saved_view", "revoked_by")
        .prefetch_related(Prefetch("accesses", queryset=LinkAccess.objects.order_by("-at", "-pk")))
    )
    return [LinkRow(link, list(link.accesses.all())[:LOG_ROWS]) for link in links]


def view_page(actor: Actor, dataset: Dataset, query: GridQuery) -> GridPage:
    """One page of the shared view, through the catalog's one read path (masked as `actor` sees it)."""
    return query_rows(actor, dataset, query)
