"""Publishing a dataset as open data: the master itself goes live on the open-data API, never a copy.

Publishing is a manager's act (`object.manage`), audited, and refused while the dataset could not be shown to
everyone whole: it must be 公開 and decided, and none of its columns may be 限定 or 秘 (a column above 公開
would silently be left out of what residents see; the owner decides explicitly by reclassifying or removing
it). What is served is always read through the anonymous visitor's visible relation (kaidan.store.relation),
so even a mistake here cannot put a restricted value on a public URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaidan.access.actors import Actor
from kaidan.access.levels import Level
from kaidan.access.services import require
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset
from kaidan.core.errors import DomainError


class PublishRefused(DomainError):
    """The dataset cannot be published as it is; `reasons` says why (in the active language)."""

    status = 409

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("\n".join(reasons))


@dataclass(frozen=True)
class Readiness:
    reasons: list[str]

    @property
    def ready(self) -> bool:
        return not self.reasons


def readiness(dataset: Dataset) -> Readiness:
    """Why the dataset may not be published yet (empty when it may)."""
    reasons: list[str] = []
    if dataset.undecided:
        reasons.append(_("The dataset is undecided (未決定): release it first."))
    if dataset.classification != Level.PUBLIC:
        reasons.append(
            _("The dataset is classified %(level)s: only 公開 datasets are published.")
            % {"level": Level(dataset.classification).label}
        )
    above = [f for f in dataset.live_fields() if f.classification in (Level.LIMITED, Level.RESTRICTED)]
    for fld in above:
        reasons.append(
            _("The column “%(column)s” is classified %(level)s: reclassify or remove it before publishing.")
            % {"column": fld.label, "level": Level(fld.classification).label}
        )
    if dataset.current_revision < 1:
        reasons.append(_("The dataset has no data yet."))
    return Readiness(reasons)


@transaction.atomic
def publish(actor: Actor, dataset: Dataset) -> Dataset:
    require(actor, "object.manage", dataset)
    found = readiness(dataset)
    if not found.ready:
        raise PublishRefused(found.reasons)
    if not dataset.published:
        dataset.published = True
        dataset.published_at = timezone.now()
        dataset.save(update_fields=["published", "published_at", "updated_at"])
        record(actor, "catalog.dataset.publish", dataset, detail={"revision": dataset.current_revision})
    return dataset


@transaction.atomic
def unpublish(actor: Actor, dataset: Dataset) -> Dataset:
    require(actor, "object.manage", dataset)
    if dataset.published:
        dataset.published = False
        dataset.save(update_fields=["published", "updated_at"])
        record(actor, "catalog.dataset.unpublish", dataset)
    return dataset
