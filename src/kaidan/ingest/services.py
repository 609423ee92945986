"""Importing a file into the master DB: plan it, then apply it as one atomic revision.

`plan_import` analyses the file (format, encoding, layout, types) and proposes a column plan the user
can edit; `run_import` applies the plan inside one transaction: a bad value either aborts everything
(the default) or skips its row, and a killed process leaves the dataset exactly as before.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kaidan.access.levels import Level
from kaidan.access.services import can
from kaidan.accounts.models import Organization, Role
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset, Field
from kaidan.core.storage import content_name, save_once
from kaidan.store import tables
from kaidan.store.models import Blob, Revision
from kaidan.store.services import RevisionWriter, alive_ids_without_keys, open_revision, read_alive_by
from kaidan.store.values import row_hash, to_json

from .exceptions import ImportRejected, RejectedValue
from .infer import convert
from .plan import Analysis, analyze, iter_records

MODES = ("create", "replace", "upsert", "append")
MAX_REPORTED = 10_000
CHUNK = 2000

Progress = Callable[[int, int], None]


@dataclass
class ColumnPlan:
    source: str
    name: str
    label: str
    type: str
    classification: str = Level.PUBLIC
    include: bool = True
    evidence_ja: str = ""
    evidence_en: str = ""


@dataclass
class ImportPlan:
    path: str
    original_name: str
    dataset: str
    organization: str = ""
    title: str = ""
    mode: str = "create"
    key: str = ""
    sheet: str | None = None
    encoding: str | None = None
    header_rows: list[int] | None = None
    classification: str = Level.INTERNAL
    restriction_reason: str = ""
    on_error: str = "abort"
    message: str = ""
    columns: list[ColumnPlan] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportPlan:
        columns = [ColumnPlan(**c) for c in data.get("columns", [])]
        return cls(**{**data, "columns": columns})


@dataclass
class ImportResult:
    dataset: Dataset
    revision: Revision
    rejected: list[RejectedValue]


def machine_name(label: str) -> str:
    """A stable machine name from a header: NFKC, lower-case ASCII, spaces to underscores."""
    name = unicodedata.normalize("NFKC", label).strip()
    name = re.sub(r"[\s\u3000]+", "_", name)
    name = re.sub(r"[\"'`;,()\[\]{}]", "", name)
    return name.lower()[:100] or "column"


def plan_import(
    path: str | Path,
    *,
    dataset: str,
    original_name: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    header_rows: list[int] | None = None,
    **options: Any,
) -> tuple[ImportPlan, Analysis]:
    """Analyse the file and propose a plan (all of which the user may change)."""
    analysis = analyze(path, encoding=encoding, sheet=sheet, header_rows=header_rows)
    columns = []
    seen: set[str] = set()
    for guess in analysis.columns:
        name = machine_name(guess.name)
        base, n = name, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        columns.append(
            ColumnPlan(
                source=guess.name,
                name=name,
                label=guess.name,
                type=str(guess.type),
                evidence_ja=guess.evidence_ja,
                evidence_en=guess.evidence_en,
            )
        )
    plan = ImportPlan(
        path=str(path),
        original_name=original_name or Path(path).name,
        dataset=dataset,
        sheet=analysis.source.sheet,
        encoding=analysis.encoding,
        header_rows=header_rows,
        columns=columns,
        **options,
    )
    return plan, analysis


def store_blob(path: str | Path) -> Blob:
    """Keep the source file content-addressed in the default storage under sources/ (idempotent)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        sha = digest.hexdigest()
        save_once(content_name("sources", sha), handle)
    blob, _created = Blob.objects.get_or_create(sha256=sha, defaults={"size": size})
    return blob


def _check_permission(actor: Any, plan: ImportPlan, dataset: Dataset | None) -> Organization:
    if dataset is not None:
        if not can(actor, "object.edit", dataset):
            raise PermissionDenied(_("You may not change this dataset."))
        return dataset.owner
    org = Organization.objects.filter(code=plan.organization).first() if plan.organization else None
    if org is None:
        raise ImportRejected(
            f"組織「{plan.organization}」が見つかりません（--org で指定してください）",
            f"organization '{plan.organization}' not found (give it with --org)",
        )
    if actor is not None and not getattr(actor, "is_superuser", False):
        ok = actor.memberships.filter(
            organization=org, role__in=[Role.EDITOR, Role.MANAGER, Role.ADMIN]
        ).exists()
        if not ok:
            raise PermissionDenied(_("Only editors of the organization can create its datasets."))
    return org


def run_import(actor: Any, plan: ImportPlan, *, progress: Progress | None = None) -> ImportResult:
    """Apply the plan as one new revision. Raises ImportRejected (nothing written) on failure."""
    if plan.mode not in MODES:
        raise ImportRejected(f"モード「{plan.mode}」は不明です", f"unknown mode '{plan.mode}'")
    dataset = Dataset.objects.filter(name=plan.dataset).first()
    if plan.mode == "create" and dataset is not None:
        raise ImportRejected(
            f"データセット「{plan.dataset}」は既にあります（replace/upsert/append を指定してください）",
            f"dataset '{plan.dataset}' already exists (use --mode replace, upsert or append)",
        )
    if plan.mode != "create" and dataset is None:
        raise ImportRejected(
            f"データセット「{plan.dataset}」がありません（--mode create で作成します）",
            f"dataset '{plan.dataset}' does not exist (use --mode create)",
        )
    owner = _check_permission(actor, plan, dataset)
    if plan.mode in ("upsert",) and not (plan.key or (dataset and dataset.key_field_id)):
        raise ImportRejected("upsert にはキー列（--key）が必要です", "upsert needs a key column (--key)")
    analysis = analyze(plan.path, encoding=plan.encoding, sheet=plan.sheet, header_rows=plan.header_rows)
    blob = store_blob(plan.path)
    with transaction.atomic():
        return _apply(actor, plan, analysis, dataset, owner, blob, progress)


def _apply(
    actor: Any,
    plan: ImportPlan,
    analysis: Analysis,
    dataset: Dataset | None,
    owner: Organization,
    blob: Blob,
    progress: Progress | None,
) -> ImportResult:
    created = dataset is None
    if dataset is None:
        dataset = Dataset(
            name=plan.dataset,
            title=plan.title or plan.dataset,
            owner=owner,
            classification=Level.parse(plan.classification),
            restriction_reason=plan.restriction_reason,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        dataset.full_clean(exclude=["key_field", "created_by", "owner"])
        dataset.save()
    included = [c for c in plan.columns if c.include]
    source_index = {name: i for i, name in enumerate(analysis.layout.names)}
    missing = [c.source for c in included if c.source not in source_index]
    if missing:
        raise ImportRejected(
            f"ファイルに列がありません: {', '.join(missing)}",
            f"columns not in the file: {', '.join(missing)}",
        )
    fields, file_fields = _reconcile_fields(dataset, included, created)
    if created:
        tables.create_table(dataset, fields)
    key_field = _key_field(dataset, plan, fields)
    revision = open_revision(
        actor,
        dataset,
        source=Revision.Source.IMPORT,
        message=plan.message,
        source_file=blob,
        source_name=plan.original_name,
        mode=plan.mode,
    )
    writer = RevisionWriter(dataset, revision, fields)
    position = {f.pk: i for i, f in enumerate(fields)}
    columns = [
        (source_index[c.source], position[f.pk], f, c) for c, f in zip(included, file_fields, strict=True)
    ]
    rejected: list[RejectedValue] = []
    rejected_rows = 0
    total = analysis.data_rows
    done = 0
    file_label = plan.original_name
    sheet = analysis.source.sheet or ""
    keys_seen: dict[str, int] = {}
    keyed = key_field is not None and plan.mode in ("replace", "upsert")
    if plan.mode == "replace" and not keyed:
        writer.delete(tables.alive_ids(dataset))

    def typed_rows() -> Iterator[tuple[int, list[Any]]]:
        nonlocal rejected_rows
        for number, raw in iter_records(analysis):
            values: list[Any] = [None] * len(fields)
            bad = False
            for src, pos, fld, col in columns:
                cell = raw[src] if src < len(raw) else None
                try:
                    values[pos] = convert(cell, fld.type)
                except ValueError as exc:
                    bad = True
                    if len(rejected) < MAX_REPORTED:
                        rejected.append(_rejection(file_label, sheet, number, col.label, cell, exc))
            if not bad and key_field is not None:
                key = to_json(values[position[key_field.pk]])
                if key is None:
                    bad = True
                    rejected.append(
                        _plain(
                            file_label, sheet, number, key_field.label, "", "キーが空です", "the key is empty"
                        )
                    )
                elif key in keys_seen:
                    bad = True
                    rejected.append(
                        _plain(
                            file_label,
                            sheet,
                            number,
                            key_field.label,
                            key,
                            f"キーが{keys_seen[key]}行目と重複しています",
                            f"duplicate key, also on row {keys_seen[key]}",
                        )
                    )
                else:
                    keys_seen[key] = number
            if bad:
                rejected_rows += 1
                continue
            yield number, values

    match_key = key_field if keyed else None
    batch: list[tuple[int, list[Any]]] = []
    for item in typed_rows():
        batch.append(item)
        if len(batch) >= CHUNK:
            _write_batch(writer, dataset, fields, match_key, batch, position, file_fields)
            done += len(batch)
            batch = []
            if progress:
                progress(done + rejected_rows, total)
    _write_batch(writer, dataset, fields, match_key, batch, position, file_fields)
    done += len(batch)
    if progress:
        progress(done + rejected_rows, total)
    if rejected_rows and plan.on_error != "skip":
        raise ImportRejected(
            f"{rejected_rows}行に取り込めない値があります。修正するか、該当行を飛ばして取り込んでください",
            f"{rejected_rows} rows have values that cannot be imported: fix them, or import skipping those rows",
            rejected,
        )
    if plan.mode == "replace" and match_key is not None:
        writer.delete(alive_ids_without_keys(dataset, match_key, set(keys_seen)))
    revision = writer.finish(schema_fields=dataset.live_fields(), rejected=rejected_rows)
    record(
        actor,
        "catalog.dataset.create" if created else "store.revision.import",
        dataset,
        detail={
            "revision": revision.number,
            "file": plan.original_name,
            "sha256": blob.sha256,
            "mode": plan.mode,
            "added": revision.added,
            "changed": revision.changed,
            "removed": revision.removed,
            "rejected": revision.rejected,
        },
    )
    return ImportResult(dataset, revision, rejected)


def _rejection(file: str, sheet: str, row: int, column: str, value: Any, exc: ValueError) -> RejectedValue:
    """The parsers of kaidan.ingest raise ValueError("English / 日本語"); split it into the two reasons."""
    text = str(exc)
    en, _sep, ja = text.partition(" / ")
    if not ja:
        ja, en = f"この列の型に変換できません（{text}）", text
    return RejectedValue(file, sheet, row, column, "" if value is None else str(value), ja, en)


def _plain(file: str, sheet: str, row: int, column: str, value: Any, ja: str, en: str) -> RejectedValue:
    return RejectedValue(file, sheet, row, column, str(value), ja, en)


def _reconcile_fields(
    dataset: Dataset, included: list[ColumnPlan], created: bool
) -> tuple[list[Field], list[Field]]:
    """Match the file's columns to the dataset's fields; add new fields for new columns."""
    existing = dataset.live_fields()
    by_name = {f.name: f for f in existing} | {f.label: f for f in existing}
    file_fields: list[Field] = []
    position = len(existing)
    for col in included:
        fld = by_name.get(col.name) or by_name.get(col.label)
        if fld is None:
            position += 1
            fld = Field.objects.create(
                dataset=dataset,
                position=position,
                name=col.name,
                label=col.label,
                type=col.type,
                classification=Level.parse(col.classification),
            )
            if not created:
                tables.add_column(dataset, fld)
        file_fields.append(fld)
    return dataset.live_fields(), file_fields


def _key_field(dataset: Dataset, plan: ImportPlan, fields: list[Field]) -> Field | None:
    if plan.key:
        for fld in fields:
            if plan.key in (fld.name, fld.label):
                if dataset.key_field_id != fld.pk:
                    dataset.key_field = fld
                    dataset.save(update_fields=["key_field"])
                    tables.index_column(dataset, fld)
                return fld
        raise ImportRejected(f"キー列「{plan.key}」がありません", f"key column '{plan.key}' not found")
    return dataset.key_field


def _write_batch(
    writer: RevisionWriter,
    dataset: Dataset,
    fields: list[Field],
    key_field: Field | None,
    batch: list[tuple[int, list[Any]]],
    position: dict[int, int],
    file_fields: list[Field],
) -> None:
    if not batch:
        return
    if key_field is None:
        for _number, values in batch:
            writer.insert(values)
        return
    key_pos = position[key_field.pk]
    existing = read_alive_by(dataset, fields, key_field, [values[key_pos] for _, values in batch])
    in_file = {position[f.pk] for f in file_fields}
    for _number, values in batch:
        found = existing.get(to_json(values[key_pos]))
        if found is None:
            writer.insert(values)
            continue
        row_id, stored_hash, old = found
        new = [values[i] if i in in_file else old[i] for i in range(len(fields))]
        if row_hash(new) != stored_hash:
            writer.update(row_id, old, new)
