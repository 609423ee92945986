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
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor
from kaidan.access.levels import Level
from kaidan.access.services import require
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset
from kaidan.core.errors import DomainError
from kaidan.store.relation import compile_relation
from kaidan.values.personal import Finding, scan


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
    elif not reasons:
        reasons += _standard_reasons(dataset)
    return Readiness(reasons)


def _standard_reasons(dataset: Dataset) -> list[str]:
    """A dataset in a standard layout (自治体標準オープンデータセット) is published only when its content keeps
    the layout's value rules: each broken value is named by row, column and value."""
    from .standards import check

    result = check(dataset)
    if result.standard is None or result.conforms:
        return []
    reasons = [
        _(
            "The dataset follows the standard layout “%(standard)s”, but %(count)s values do not keep its rules:"
        )
        % {"standard": result.standard.title, "count": result.count}
    ]
    for v in result.violations:
        reasons.append(
            _("row %(row)s, column “%(column)s”, value “%(value)s”: %(reason)s")
            % {"row": v.row, "column": v.column, "value": v.value, "reason": v.reason}
        )
    return reasons


SAMPLE_ROWS = 2000

KIND_NAMES = {
    "my_number": gettext_lazy("個人番号 (My Number, with a valid check digit)"),
    "phone": gettext_lazy("phone numbers"),
    "email": gettext_lazy("e-mail addresses"),
    "birth_date": gettext_lazy("dates of birth beside names"),
    "label:name": gettext_lazy("a column named like a person's name"),
    "label:address": gettext_lazy("a column named like an address"),
    "label:phone": gettext_lazy("a column named like a phone number"),
    "label:email": gettext_lazy("a column named like an e-mail address"),
    "label:my_number": gettext_lazy("a column named like 個人番号"),
}


class PublishWarned(DomainError):
    """Values look personal: a manager may publish anyway only with a recorded reason."""

    status = 409

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(describe(f) for f in findings))


def describe(finding: Finding) -> str:
    examples = "、".join(finding.examples)
    what = str(KIND_NAMES.get(finding.kind, finding.kind))
    if examples:
        return _("Column “%(column)s” looks like it holds %(what)s, e.g. %(examples)s.") % {
            "column": finding.column,
            "what": what,
            "examples": examples,
        }
    return _("Column “%(column)s”: %(what)s.") % {"column": finding.column, "what": what}


def personal_data(dataset: Dataset) -> list[Finding]:
    """What looks personal in what the public would see (the anonymous relation, a sample of rows)."""
    rel = compile_relation(dataset, actor=None)
    index = {f.pk: i for i, f in enumerate(rel.fields)}
    samples: dict[int, list[object]] = {f.pk: [] for f in rel.visible}
    for n, (_row_id, _rev, values) in enumerate(rel.rows()):
        if n >= SAMPLE_ROWS:
            break
        for f in rel.visible:
            samples[f.pk].append(values[index[f.pk]])
    return scan([(f.label, f.type, samples[f.pk]) for f in rel.visible])


@transaction.atomic
def publish(dataset: Dataset, *, actor: Actor, reason: str = "", licence: str | None = None) -> Dataset:
    """Publish, unless refused; values that look personal need a manager's recorded `reason`.

    `licence` (a key of kaidan.opendata.catalog.LICENCES) is the publisher's choice; the default is the
    dataset's own (CC BY 4.0 unless changed). Publishing an already published dataset with another licence
    changes only the licence (audited)."""
    from .catalog import LICENCES

    require("object.manage", dataset, actor=actor)
    if licence is not None and licence not in LICENCES:
        raise PublishRefused(
            [
                _("Unknown licence “%(licence)s”: choose one of %(choices)s.")
                % {"licence": licence, "choices": ", ".join(LICENCES)}
            ]
        )
    found = readiness(dataset)
    if not found.ready:
        raise PublishRefused(found.reasons)
    findings = personal_data(dataset)
    if findings and not reason.strip():
        raise PublishWarned(findings)
    if licence is not None and licence != dataset.licence:
        dataset.licence = licence
        dataset.save(update_fields=["licence", "updated_at"])
        if dataset.published:
            record("catalog.dataset.publish", dataset, actor=actor, detail={"licence": licence})
    if not dataset.published:
        dataset.published = True
        dataset.published_at = timezone.now()
        dataset.save(update_fields=["published", "published_at", "updated_at"])
        detail: dict[str, object] = {"revision": dataset.current_revision, "licence": dataset.licence}
        if findings:
            detail["override_reason"] = reason.strip()
            detail["warnings"] = [{"column": f.column, "kind": f.kind, "count": f.count} for f in findings]
        record("catalog.dataset.publish", dataset, actor=actor, detail=detail)
    return dataset


@transaction.atomic
def unpublish(dataset: Dataset, *, actor: Actor) -> Dataset:
    require("object.manage", dataset, actor=actor)
    if dataset.published:
        dataset.published = False
        dataset.save(update_fields=["published", "updated_at"])
        record("catalog.dataset.unpublish", dataset, actor=actor)
    return dataset
