"""Each procedure's submissions as a dataset of the master DB, written through kaidan.store as revisions.

So that search, analysis, history, exports and the one gate (kaidan.store.relation) apply to
applications exactly as to any other data, every submission is a row of the procedure's dataset:
bookkeeping columns (受付番号, 状態, 受付日時, 様式の版, 受付方法, 連絡先メール) and one column per form
field (machine name = the field's key). The dataset is 秘 with the reason "personal" by default, owned by
the procedure's organization; a form version that adds fields adds columns (a schema revision), and
columns are never removed, so every earlier answer stays readable as given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from kaidan.access.actors import Actor, account_of
from kaidan.access.levels import Level, RestrictionReason
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset, Field
from kaidan.store import selectors as store_selectors
from kaidan.store import tables
from kaidan.store.models import Revision
from kaidan.store.services import RevisionWriter, open_revision
from kaidan.values.types import FieldType

from .models import CaseStatus, Channel, Procedure, Submission
from .schema import STORED_TYPE, FieldDef, stored_value

STATUS_JA = {
    CaseStatus.RECEIVED: "受付",
    CaseStatus.REVIEWING: "審査中",
    CaseStatus.RETURNED: "差戻し",
    CaseStatus.COMPLETED: "完了",
    CaseStatus.REJECTED: "却下",
}
CHANNEL_JA = {Channel.ONLINE: "オンライン", Channel.COUNTER: "窓口"}

BOOKKEEPING: list[tuple[str, str, FieldType, Level]] = [
    ("receipt", "受付番号", FieldType.TEXT, Level.INTERNAL),
    ("status", "状態", FieldType.TEXT, Level.INTERNAL),
    ("submitted_at", "受付日時", FieldType.DATETIME, Level.INTERNAL),
    ("month", "受付月", FieldType.TEXT, Level.INTERNAL),
    ("version", "様式の版", FieldType.INTEGER, Level.INTERNAL),
    ("channel", "受付方法", FieldType.TEXT, Level.INTERNAL),
    ("email", "連絡先メール", FieldType.TEXT, Level.RESTRICTED),
]


def dataset_name(procedure: Procedure) -> str:
    return f"procedure-{procedure.slug}"[:100]


def ensure_dataset(procedure: Procedure, *, actor: Actor) -> Dataset:
    """The procedure's dataset, created (秘, reason personal, with its bookkeeping columns) when missing.
    Runs inside the caller's transaction."""
    if procedure.dataset_id is not None:
        return Dataset.objects.get(pk=procedure.dataset_id)
    dataset = Dataset.objects.create(
        name=dataset_name(procedure),
        title=f"{procedure.title}（申請）",
        description=f"オンライン手続「{procedure.title}」の申請。Applications to the online procedure.",
        owner_id=procedure.owner_id,
        classification=Level.RESTRICTED,
        restriction_reason=RestrictionReason.PERSONAL,
        licence="",
        created_by=account_of(actor=actor),
    )
    fields = [
        Field.objects.create(
            dataset=dataset, position=i, name=name, label=label, type=ftype, classification=level
        )
        for i, (name, label, ftype, level) in enumerate(BOOKKEEPING, start=1)
    ]
    dataset.key_field = fields[0]
    dataset.save(update_fields=["key_field"])
    tables.create_table(dataset, fields)
    revision = open_revision(
        dataset, actor=actor, source=Revision.Source.SCHEMA, message="手続の申請データを作成"
    )
    RevisionWriter(dataset, revision, fields).finish(schema_fields=fields)
    record(
        "catalog.dataset.create",
        dataset,
        actor=actor,
        detail={"procedure": procedure.slug, "classification": dataset.classification},
    )
    procedure.dataset = dataset
    procedure.save(update_fields=["dataset", "updated_at"])
    return dataset


def sync_columns(procedure: Procedure, defs: Sequence[FieldDef], *, actor: Actor) -> list[Field]:
    """Add a column for every field of `defs` the dataset lacks (one schema revision); never remove one."""
    dataset = ensure_dataset(procedure, actor=actor)
    Dataset.objects.select_for_update().get(pk=dataset.pk)
    existing = {f.name for f in dataset.live_fields()}
    added: list[Field] = []
    last = dataset.fields.order_by("-position").values_list("position", flat=True).first() or 0
    for d in defs:
        if d.key in existing:
            continue
        last += 1
        fld = Field.objects.create(
            dataset=dataset,
            position=last,
            name=d.key,
            label=d.label[:200],
            type=STORED_TYPE[d.kind],
            classification=Level.RESTRICTED,
        )
        tables.add_column(dataset, fld)
        added.append(fld)
        existing.add(d.key)
    if added:
        dataset.refresh_from_db()
        revision = open_revision(
            dataset, actor=actor, source=Revision.Source.SCHEMA, message="手続の様式に項目を追加"
        )
        fields = dataset.live_fields()
        revision = RevisionWriter(dataset, revision, fields).finish(schema_fields=fields)
        record(
            "catalog.field.add",
            dataset,
            actor=actor,
            detail={
                "revision": revision.number,
                "fields": [f.name for f in added],
                "procedure": procedure.slug,
            },
        )
    return added


def _values(submission: Submission, defs: Sequence[FieldDef], fields: Sequence[Field]) -> list[Any]:
    by_key = {d.key: d for d in defs}
    local = timezone.localtime(submission.submitted_at)
    fixed = {
        "receipt": submission.receipt,
        "month": f"{local:%Y-%m}",
        "status": STATUS_JA[CaseStatus(submission.status)],
        "submitted_at": local.replace(microsecond=0, tzinfo=None),
        "version": submission.version.number,
        "channel": CHANNEL_JA[Channel(submission.channel)],
        "email": submission.email or None,
    }
    values: list[Any] = []
    for f in fields:
        if f.name in fixed:
            values.append(fixed[f.name])
        elif f.name in by_key:
            values.append(stored_value(by_key[f.name], submission.answers.get(f.name)))
        else:
            values.append(None)  # a column of another version of the form
    return values


def _dataset_id(submission: Submission) -> int:
    dataset_id = submission.procedure.dataset_id
    if dataset_id is None:  # published procedures always have their dataset
        raise ValueError(f"procedure {submission.procedure.slug} has no dataset")
    return int(dataset_id)


dataset_of = _dataset_id


def write_submission(submission: Submission, defs: Sequence[FieldDef], *, actor: Actor) -> int:
    """Insert the submission's row (one revision). Must run inside the submission's transaction."""
    assert transaction.get_connection().in_atomic_block
    dataset = Dataset.objects.get(pk=_dataset_id(submission))
    revision = open_revision(
        dataset, actor=actor, source=Revision.Source.EDIT, message=f"申請 {submission.receipt} を受付"
    )
    fields = dataset.live_fields()
    writer = RevisionWriter(dataset, revision, fields)
    row_id = writer.insert(_values(submission, defs, fields))
    writer.finish()
    return row_id


def update_submission_row(
    submission: Submission, defs: Sequence[FieldDef], message: str, *, actor: Actor
) -> Revision | None:
    """Write the submission's current status and answers to its row (one revision, the changed cells only)."""
    assert transaction.get_connection().in_atomic_block
    if submission.row_id is None:
        return None
    dataset = Dataset.objects.select_for_update().get(pk=_dataset_id(submission))
    fields = dataset.live_fields()
    old: list[Any] | None = None
    for _row_id, _rev, values in store_selectors.iter_rows_with_rev(
        dataset, fields, where="_id = %s", params=[submission.row_id]
    ):
        old = values
    if old is None:
        return None
    new = _values(submission, defs, fields)
    keep_time = [f.name in ("submitted_at", "month") for f in fields]
    new = [o if keep else n for o, n, keep in zip(old, new, keep_time, strict=True)]
    if new == old:
        return None
    revision = open_revision(dataset, actor=actor, source=Revision.Source.EDIT, message=message)
    writer = RevisionWriter(dataset, revision, fields)
    writer.update(submission.row_id, old, new)
    return writer.finish()


def row_values(values: Sequence[Any], fields: Sequence[Field]) -> Mapping[str, Any]:
    return {f.name: v for f, v in zip(fields, values, strict=True)}
