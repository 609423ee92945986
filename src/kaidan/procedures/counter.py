"""The no-writing counter (書かない窓口): staff look the resident up in the datasets they may read,
prefill the form from those records, show the resident a check screen, and submit on their behalf.

Records are read through the one gate (kaidan.catalog.selectors: the visible relation, audited like any
record read), so a clerk prefills only from what they may see. The submission is made by the clerk's
account with channel "counter", and the audit log names the clerk and every record used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.http import QueryDict

from kaidan.access.actors import Actor, account_of
from kaidan.access.services import rights
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.selectors import (
    GridPage,
    get_dataset,
    get_row,
    grid_query,
    list_datasets,
    query_rows,
    relation,
)
from kaidan.core.errors import Forbidden, NotFound
from kaidan.values.types import FieldType

from . import applications, tokens
from .models import Channel, Draft, Procedure, Submission
from .schema import FieldDef, Kind, load


def may_serve(procedure: Procedure, *, actor: Actor) -> bool:
    """Counter staff: whoever may process the procedure's cases (edit its dataset)."""
    if procedure.dataset_id is None or procedure.current_version is None:
        return False
    return rights(Dataset.objects.get(pk=procedure.dataset_id), actor=actor).can_edit


def require(procedure: Procedure, *, actor: Actor) -> None:
    if not may_serve(procedure, actor=actor):
        raise NotFound(detail=procedure.slug)


def source_datasets(*, actor: Actor) -> list[Dataset]:
    """The datasets the clerk may look residents up in (not the procedures' own application data)."""
    own = set(Procedure.objects.exclude(dataset=None).values_list("dataset_id", flat=True))
    return [d for d in list_datasets(actor=actor) if d.pk not in own]


def search(dataset: Dataset, text: str, *, actor: Actor) -> GridPage:
    """Rows of the dataset matching the words, as the clerk may see them (the grid's search)."""
    params = QueryDict(mutable=True)
    params["q"] = text
    params["size"] = "20"
    return query_rows(dataset, grid_query(dataset, params, actor=actor), actor=actor, purpose="view")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)


FITS: dict[Kind, set[str]] = {
    Kind.PHONE: {FieldType.PHONE, FieldType.TEXT},
    Kind.DATE: {FieldType.DATE, FieldType.DATETIME},
    Kind.NUMBER: {FieldType.INTEGER, FieldType.DECIMAL},
    Kind.CHECKBOX: {FieldType.BOOLEAN},
}
"""Column types a kind of field may be prefilled from (any type for text kinds)."""


def _score(d: FieldDef, f: Field) -> int:
    """How well a column fits a form field: 3 same name, 2 same label, 1 one label inside the other."""
    if d.kind in FITS and f.type not in FITS[d.kind]:
        return 0
    if f.name == d.key:
        return 3
    if f.label == d.label:
        return 2
    label, other = d.label.replace("（", "(").split("(")[0], f.label
    return 1 if len(other) >= 2 and (other in label or label in other) else 0


def prefill_values(
    defs: Sequence[FieldDef], fields: Sequence[Field], values: Sequence[Any]
) -> tuple[dict[str, Any], list[str]]:
    """Raw form answers taken from one record (by column name or label), and the keys filled."""
    raw: dict[str, Any] = {}
    filled: list[str] = []
    for d in defs:
        if d.kind in (Kind.FILE, Kind.CONSENT):
            continue
        if d.kind is Kind.ADDRESS:
            postal = next(
                (_text(v) for f, v in zip(fields, values, strict=True) if f.type == FieldType.POSTAL_CODE), ""
            )
            line = next(
                (
                    _text(v)
                    for f, v in zip(fields, values, strict=True)
                    if "住所" in f.label or f.name == d.key
                ),
                "",
            )
            if postal or line:
                raw[d.key] = [postal, line]
                filled.append(d.key)
            continue
        scored = [(_score(d, f), -len(f.label), i) for i, f in enumerate(fields) if values[i] is not None]
        best = max((s for s in scored if s[0] > 0), default=None)
        if best is not None:
            value = values[best[2]]
            raw[d.key] = bool(value) if d.kind is Kind.CHECKBOX else _text(value)
            filled.append(d.key)
    return raw, filled


@transaction.atomic
def start(procedure: Procedure, *, actor: Actor, dataset_name: str = "", row_id: int | None = None) -> Draft:
    """A counter draft, prefilled from one record the clerk may read (or empty)."""
    require(procedure, actor=actor)
    assert procedure.current_version is not None
    defs = load(procedure.current_version.fields)
    raw: dict[str, Any] = {}
    sources: list[dict[str, Any]] = []
    if dataset_name and row_id is not None:
        dataset = get_dataset(dataset_name, actor=actor)
        row = get_row(dataset, row_id, actor=actor)  # the one gate; the read is audited
        if row is None:
            raise NotFound(detail=row_id)
        fields = relation(dataset, actor=actor).visible
        raw, filled = prefill_values(defs, fields, row.values)
        sources.append({"dataset": dataset.name, "title": dataset.title, "row": row_id, "fields": filled})
    return Draft.objects.create(
        procedure=procedure,
        version=procedure.current_version,
        answers=raw,
        nonce=tokens.new_nonce(),
        clerk=account_of(actor=actor),
        sources=sources,
    )


def find(procedure: Procedure, token: str, *, actor: Actor) -> Draft:
    """The clerk's counter draft (only its clerk opens it)."""
    require(procedure, actor=actor)
    draft = applications.find_draft(token)
    user = account_of(actor=actor)
    if draft is None or draft.procedure_id != procedure.pk or user is None or draft.clerk_id != user.pk:
        raise NotFound(detail="counter draft")
    return draft


def submit(draft: Draft, answers: dict[str, Any], email: str, *, actor: Actor) -> Submission:
    """Submit on the resident's behalf after they checked the screen: made by the clerk, at the counter."""
    require(draft.procedure, actor=actor)
    if draft.clerk_id is None or draft.clerk_id != getattr(account_of(actor=actor), "pk", None):
        raise Forbidden()
    with transaction.atomic():
        submission, _token = applications.submit(
            draft, answers, email=email, channel=Channel.COUNTER, actor=actor
        )
        record(
            "procedures.submission.counter",
            submission,
            actor=actor,
            detail={
                "procedure": draft.procedure.slug,
                "receipt": submission.receipt,
                "clerk": getattr(account_of(actor=actor), "username", ""),
                "records": draft.sources,
            },
        )
    return submission
