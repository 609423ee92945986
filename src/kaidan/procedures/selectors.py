"""Reads: the published procedures residents see, and the procedures a member of staff works on."""

from __future__ import annotations

from django.db.models import QuerySet

from kaidan.access.actors import Actor
from kaidan.access.services import rights
from kaidan.catalog.models import Dataset
from kaidan.core.errors import NotFound

from .models import Procedure

RESERVED_SLUGS = frozenset({"manage", "status", "d", "s", "found", "new"})


def published() -> QuerySet[Procedure]:
    return Procedure.objects.filter(
        status=Procedure.Status.PUBLISHED, current_version__isnull=False
    ).select_related("owner", "current_version")


def get_published(slug: str) -> Procedure:
    procedure = published().filter(slug=slug).first()
    if procedure is None:
        raise NotFound(detail=slug)
    return procedure


def for_staff(*, actor: Actor) -> list[tuple[Procedure, bool, bool]]:
    """(procedure, may edit its form, may see its cases) for every procedure the actor works on."""
    candidates = Procedure.objects.select_related("owner", "current_version").order_by("title")
    result = []
    granted = {
        d.pk
        for d in Dataset.objects.filter(pk__in=candidates.values("dataset_id"))
        if rights(d, actor=actor).can_read
    }
    for procedure in candidates:
        builds = rights(procedure, actor=actor).can_edit
        sees = procedure.dataset_id in granted
        if builds or sees:
            result.append((procedure, builds, sees))
    return result


def get_for_builder(slug: str, *, actor: Actor) -> Procedure:
    procedure = Procedure.objects.filter(slug=slug).select_related("owner", "current_version").first()
    if procedure is None or not rights(procedure, actor=actor).can_edit:
        raise NotFound(detail=slug)
    return procedure


def get_for_cases(slug: str, *, actor: Actor) -> Procedure:
    procedure = Procedure.objects.filter(slug=slug).select_related("owner").first()
    if procedure is None or procedure.dataset_id is None:
        raise NotFound(detail=slug)
    if not rights(Dataset.objects.get(pk=procedure.dataset_id), actor=actor).can_read:
        raise NotFound(detail=slug)
    return procedure
