"""What the two home pages show. Every dataset comes through kaidan.catalog.selectors.list_datasets
(the access service decides), so a home never shows what its visitor could not open."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from kaidan.access.actors import Actor
from kaidan.access.services import organizations_of
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import list_datasets
from kaidan.ingest.models import ImportJob
from kaidan.store.models import Revision

LATEST = 6


def public_datasets(search: str = "", limit: int | None = None) -> list[Dataset]:
    """What a resident sees: the datasets open to anonymous visitors, newest change first."""
    datasets = list_datasets(actor=AnonymousUser(), search=search)
    datasets.sort(key=lambda d: (d.updated_at, d.pk), reverse=True)
    return datasets[:limit] if limit else datasets


def my_datasets(*, actor: Actor) -> list[Dataset]:
    """Datasets owned by the actor's organizations (that the actor may see), by title."""
    orgs = {o.pk for o in organizations_of(actor=actor)}
    return [d for d in list_datasets(actor=actor) if d.owner_id in orgs]


def recent_changes(limit: int = 8, *, actor: Actor) -> list[Revision]:
    """The latest revisions of datasets the actor may see, newest first.

    Only who, when, which dataset and what kind of change: a revision's message and counts are about the
    whole dataset, which a row-scoped reader must not learn (as on the revisions page)."""
    visible = [d.pk for d in list_datasets(actor=actor)]
    return list(
        Revision.objects.filter(dataset_id__in=visible)
        .select_related("dataset", "author")
        .defer("schema", "message")
        .order_by("-created_at", "-pk")[:limit]
    )


def my_imports(user: Any, limit: int = 5) -> list[ImportJob]:
    """The user's own imports, newest first (pending ones first of all)."""
    jobs = list(
        ImportJob.objects.filter(created_by=user).defer("report", "summary").order_by("-created_at")[:limit]
    )
    pending = {ImportJob.Status.PLANNED, ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}
    return sorted(jobs, key=lambda j: j.status not in pending)
