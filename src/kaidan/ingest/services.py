"""Importing a file into the master DB: plan it, then apply it as one atomic revision.

`plan_import` analyses the file (format, encoding, layout, types) and proposes a column plan the user
can edit; `run_import` applies the plan inside one transaction: a bad value either aborts everything
(the default) or skips its row, and a killed process leaves the dataset exactly as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor, account_of
from kaidan.access.levels import Level
from kaidan.access.services import can, rights
from kaidan.accounts.models import Organization
from kaidan.accounts.selectors import may_create_datasets_in
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset, Field
from kaidan.core.errors import Forbidden
from kaidan.core.storage import content_name, save_once
from kaidan.store import tables
from kaidan.store.models import Blob, Revision
from kaidan.store.relation import Purpose, VisibleRelation, compile_relation
from kaidan.store.services import (
    RevisionWriter,
    alive_ids_without_keys,
    bulk_import,
    created_table,
    open_revision,
)
from kaidan.store.values import to_json
from kaidan.values.messages import Message, MessageList, gettext_noop, reason_of
from kaidan.values.names import machine_name as machine_name  # re-exported for callers

from . import corrections
from .batches import as_list, claim_keys, write_batch
from .columnar import ColumnConverter
from .corrections import Corrections
from .exceptions import ImportRejected, RejectedValue
from .plan import Analysis, analyze, iter_record_batches

MODES = ("create", "replace", "upsert", "append")
MAX_REPORTED = 10_000
BATCH_ROWS = 20_000

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
    restriction_reason: str = ""
    """Why the plan proposes 秘 ("personal": kaidan.ingest.personal), with the evidence in both languages."""
    personal_ja: str = ""
    personal_en: str = ""


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
    data_rows: int = 0
    corrections: Corrections = field(default_factory=dict)
    """Values fixed in place after a refused run (kaidan.ingest.corrections)."""

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
    corrected: int = 0


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
        data_rows=analysis.data_rows,
        **options,
    )
    return plan, analysis


def redetect_plan(
    plan: ImportPlan,
    *,
    sheet: str | None,
    encoding: str | None,
    header_rows: list[int] | None,
    guessed_types: dict[str, str] | None = None,
) -> tuple[ImportPlan, Analysis]:
    """Analyse the same stored file again with another sheet, encoding or header rows.

    The dataset options (name, mode, key, classification, message …) are kept. A column found again
    under the same name keeps the user's choices (import or not, label, machine name, classification,
    and the type when the user changed it from the previous guess given in ``guessed_types``); new
    columns get fresh proposals. Raises ``ReadError`` when the file cannot be read that way.
    """
    fresh, analysis = plan_import(
        plan.path,
        dataset=plan.dataset,
        original_name=plan.original_name,
        sheet=sheet,
        encoding=encoding,
        header_rows=header_rows,
    )
    previous = {c.source: c for c in plan.columns}
    guessed = guessed_types or {}
    for col in fresh.columns:
        old = previous.get(col.source)
        if old is None:
            continue
        col.include, col.label, col.name, col.classification = (
            old.include,
            old.label,
            old.name,
            old.classification,
        )
        col.restriction_reason, col.personal_ja, col.personal_en = (
            old.restriction_reason,
            old.personal_ja,
            old.personal_en,
        )
        if old.source in guessed and old.type != guessed[old.source]:
            col.type = old.type  # the user's own choice
    sources = {c.source for c in fresh.columns}
    names = {c.name for c in fresh.columns}
    key = plan.key if plan.key in names or plan.key in sources else ""
    options = plan.to_dict()
    for name in ("path", "columns", "sheet", "encoding", "header_rows", "data_rows", "key"):
        options.pop(name)
    merged = ImportPlan(
        **options,
        key=key,
        path=fresh.path,
        sheet=fresh.sheet,
        encoding=fresh.encoding,
        header_rows=header_rows,
        data_rows=fresh.data_rows,
        columns=fresh.columns,
    )
    return merged, analysis


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


def _missing(name: str) -> ImportRejected:
    return ImportRejected(
        Message(gettext_noop("dataset '%(name)s' does not exist (use --mode create)"), name=name),
    )


def _check_permission(plan: ImportPlan, dataset: Dataset | None, *, actor: Actor) -> Organization:
    if dataset is not None:
        if not can("object.edit", dataset, actor=actor):
            raise Forbidden(gettext_lazy("You may not change this dataset."))
        return dataset.owner
    org = Organization.objects.filter(code=plan.organization).first() if plan.organization else None
    if org is None:
        raise ImportRejected(
            Message(
                gettext_noop("organization '%(organization)s' not found (give it with --org)"),
                organization=plan.organization,
            ),
        )
    if not may_create_datasets_in(org, actor=actor):
        raise Forbidden(gettext_lazy("Only editors of the organization can create its datasets."))
    return org


def run_import(
    plan: ImportPlan, *, actor: Actor, progress: Progress | None = None, analysis: Analysis | None = None
) -> ImportResult:
    """Apply the plan as one new revision. Raises ImportRejected (nothing written) on failure.

    ``analysis`` is the one ``plan_import`` returned with the plan (the CLI passes it). Without it only
    the layout is read again from the first rows: the plan already holds the types, so the file is not
    scanned a second time.
    """
    if plan.mode not in MODES:
        raise ImportRejected(Message(gettext_noop("unknown mode '%(mode)s'"), mode=plan.mode))
    dataset = Dataset.objects.filter(name=plan.dataset).first()
    # A dataset the actor may not see is answered like a missing one (no existence leak).
    readable = dataset is not None and rights(dataset, actor=actor).can_read
    if plan.mode == "create" and dataset is not None:
        if not readable:
            raise ImportRejected(
                Message(
                    gettext_noop("the dataset name '%(dataset)s' cannot be used: choose another name"),
                    dataset=plan.dataset,
                ),
            )
        raise ImportRejected(
            Message(
                gettext_noop("dataset '%(dataset)s' already exists (use --mode replace, upsert or append)"),
                dataset=plan.dataset,
            ),
        )
    if plan.mode != "create" and not readable:
        raise _missing(plan.dataset)
    owner = _check_permission(plan, dataset, actor=actor)
    if plan.mode in ("upsert",) and not (plan.key or (dataset and dataset.key_field_id)):
        raise ImportRejected(Message(gettext_noop("upsert needs a key column (--key)")))
    same = analysis is not None and (
        str(analysis.path) == str(plan.path)
        and analysis.encoding == plan.encoding
        and analysis.source.sheet == plan.sheet
        and (plan.header_rows is None or analysis.layout.header_rows == sorted(plan.header_rows))
    )
    if analysis is None or not same:
        analysis = analyze(
            plan.path, encoding=plan.encoding, sheet=plan.sheet, header_rows=plan.header_rows, scan=False
        )
        analysis.data_rows = plan.data_rows
    blob = store_blob(plan.path)
    with bulk_import():
        return _apply(plan, analysis, dataset, owner, blob, progress, actor=actor)


def _apply(
    plan: ImportPlan,
    analysis: Analysis,
    dataset: Dataset | None,
    owner: Organization,
    blob: Blob,
    progress: Progress | None,
    *,
    actor: Actor,
) -> ImportResult:
    created = dataset is None
    if dataset is None:
        dataset = Dataset(
            name=plan.dataset,
            title=plan.title or plan.dataset,
            owner=owner,
            classification=Level.parse(plan.classification),
            restriction_reason=plan.restriction_reason,
            created_by=account_of(actor=actor),
        )
        dataset.full_clean(exclude=["key_field", "created_by", "owner"])
        dataset.save()
    # The one gate: what the actor may change (rows and columns). A new dataset is the creator's own.
    edit = None if created else compile_relation(dataset, actor=actor, purpose=Purpose.EDIT)
    included = [c for c in plan.columns if c.include]
    source_index = {name: i for i, name in enumerate(analysis.layout.names)}
    missing = [c.source for c in included if c.source not in source_index]
    if missing:
        raise ImportRejected(
            Message(gettext_noop("columns not in the file: %(value)s"), value=", ".join(missing)),
        )
    fields, file_fields = _reconcile_fields(dataset, included, created, edit)
    # PostgreSQL builds a new table's indexes once after the rows (a staging table may replace the table);
    # SQLite keeps them from the start: the rows arrive in _id and _ord order, so every index is appended to
    # (faster than sorting the rows for each index afterwards)
    early_indexes = tables.vendor() == "sqlite"
    if created:
        tables.create_table(dataset, fields, indexes=early_indexes)
        created_table(dataset)
    key_field = _key_field(dataset, plan, fields)
    revision = open_revision(
        dataset,
        actor=actor,
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
    scope = edit if edit is not None and edit.scoped else None
    if plan.mode == "replace" and not keyed:
        writer.delete(_changeable_ids(dataset, edit))

    match_key = key_field if keyed else None
    key_pos = position[key_field.pk] if key_field is not None else None
    converters = [ColumnConverter(fld.type) for _src, _pos, fld, _col in columns]
    width = len(fields)
    # an upsert of a big file that gives every field, unscoped: staged and applied set-based (see
    # RevisionWriter.upsert_staged); otherwise row by row, below
    set_based = (
        match_key is not None
        and scope is None
        and len(file_fields) == width
        and writer.may_upsert_staged(match_key, total)
    )
    fixes = corrections.by_column(plan.corrections, source_index)
    corrected = 0
    for numbers, cells in iter_record_batches(analysis, BATCH_ROWS, arrays=True):
        size = len(numbers)
        if fixes:
            corrected += corrections.correct_batch(numbers, cells, fixes)
        by_position: list[Any] = [[None] * size for _ in range(width)]
        bad_rows: dict[int, list[RejectedValue]] = {}
        for (src, pos, _fld, col), converter in zip(columns, converters, strict=True):
            column = cells[src]
            typed, errors = converter.typed(column)  # an Arrow array where the kernels converted it
            by_position[pos] = typed
            for index, exc in errors.items():
                bad_rows.setdefault(index, []).append(
                    _rejection(file_label, sheet, numbers[index], col.label, _cell(column, index), exc)
                )
        # the common case (every row is written as it is) stays column by column to the writer
        whole = key_pos is None and not bad_rows and scope is None and match_key is None
        typed_columns = by_position
        if (
            not whole
            and key_pos is not None
            and not bad_rows
            and scope is None
            and (match_key is None or set_based)
            and not (rejected_rows and plan.on_error != "skip")
            and claim_keys(typed_columns[key_pos], numbers, keys_seen)
        ):
            # every key of the batch is there, new and unique (checked on the key column alone)
            if match_key is None:
                writer.insert_arrow(typed_columns, size, expected=total)
            elif not writer.upsert_staged(typed_columns, size, match_key):
                set_based = False
                rows_ = list(zip(*[as_list(c) for c in typed_columns], strict=True))
                refused = write_batch(writer, dataset, fields, match_key, rows_, position, file_fields, scope)
                assert not refused  # (no scope here)
            done += size
            if progress:
                progress(done + rejected_rows, total)
            continue
        if not whole:
            by_position = [c.to_pylist() if isinstance(c, pa.Array) else c for c in by_position]
        rows: list[tuple[Any, ...]] = (
            [] if whole else list(zip(*by_position, strict=True)) if width else [() for _ in range(size)]
        )
        good: list[tuple[Any, ...]] = []
        numbers_of = {id(values): numbers[i] for i, values in enumerate(rows)} if scope is not None else {}
        if whole:
            pass
        elif key_pos is None and not bad_rows:
            good = rows
        else:
            for index, values in enumerate(rows):
                number = numbers[index]
                if index in bad_rows:
                    for item in bad_rows[index]:
                        if len(rejected) < MAX_REPORTED:
                            rejected.append(item)
                    continue
                if key_pos is not None and key_field is not None:
                    key = to_json(values[key_pos])
                    if key is None:
                        bad_rows[index] = []
                        rejected.append(
                            _plain(
                                file_label,
                                sheet,
                                number,
                                key_field.label,
                                "",
                                Message(gettext_noop("the key is empty")),
                            )
                        )
                        continue
                    if key in keys_seen:
                        bad_rows[index] = []
                        rejected.append(
                            _plain(
                                file_label,
                                sheet,
                                number,
                                key_field.label,
                                key,
                                Message(
                                    gettext_noop("duplicate key, also on row %(keys_seen)s"),
                                    keys_seen=keys_seen[key],
                                ),
                            )
                        )
                        continue
                    keys_seen[key] = number
                good.append(values)
        if scope is not None and match_key is None:
            inside = []
            for values in good:
                if scope.contains(values, fields):
                    inside.append(values)
                else:
                    rejected.append(_out_of_scope(file_label, sheet, numbers_of[id(values)]))
                    rejected_rows += 1
            good = inside
        rejected_rows += len(bad_rows)
        if rejected_rows and plan.on_error != "skip":
            # the import will be refused: keep reading only to report every bad value
            done += size - len(bad_rows)
        elif whole:
            writer.insert_arrow(by_position, size, expected=total)
            done += size
        elif match_key is None:
            if len(good) == size:  # every row of the batch (keys checked): the columns as they are
                writer.insert_arrow(typed_columns, size, expected=total)
            else:
                writer.insert_many(good)
            done += len(good)
        elif set_based and writer.upsert_staged(
            typed_columns if len(good) == size else list(zip(*good, strict=True)), len(good), match_key
        ):
            done += len(good)
        else:
            set_based = False
            refused = write_batch(writer, dataset, fields, match_key, good, position, file_fields, scope)
            for index in refused:
                rejected.append(_out_of_scope(file_label, sheet, numbers_of[id(good[index])]))
            rejected_rows += len(refused)
            done += len(good) - len(refused)
        if progress:
            progress(done + rejected_rows, total)
    if rejected_rows and plan.on_error != "skip":
        raise ImportRejected(
            Message(
                gettext_noop(
                    "%(rejected_rows)s rows have values that cannot be imported: fix them, or import skipping those rows"
                ),
                rejected_rows=rejected_rows,
            ),
            rejected,
        )
    if created and not early_indexes:
        writer.flush()
        tables.create_indexes(dataset)
    if plan.mode == "replace" and match_key is not None:
        gone = alive_ids_without_keys(dataset, match_key, set(keys_seen))
        if scope is not None:
            allowed = set(_changeable_ids(dataset, edit))
            gone = [row_id for row_id in gone if row_id in allowed]
        writer.delete(gone)
    revision = writer.finish(schema_fields=dataset.live_fields(), rejected=rejected_rows)
    record(
        "catalog.dataset.create" if created else "store.revision.import",
        dataset,
        actor=actor,
        detail={
            "revision": revision.number,
            "file": plan.original_name,
            "sha256": blob.sha256,
            "mode": plan.mode,
            "added": revision.added,
            "changed": revision.changed,
            "removed": revision.removed,
            "rejected": revision.rejected,
            **({"corrected": corrected} if corrected else {}),
        },
    )
    return ImportResult(dataset, revision, rejected, corrected)


def _cell(column: Any, index: int) -> Any:
    """One raw cell of a batch's column (a Python list, or an Arrow array from the CSV reader)."""
    value = column[index]
    return value.as_py() if hasattr(value, "as_py") else value


def _rejection(file: str, sheet: str, row: int, column: str, value: Any, exc: ValueError) -> RejectedValue:
    """The value parsers raise ValueProblem with the reason as a Message."""
    return RejectedValue(file, sheet, row, column, "" if value is None else str(value), reason_of(exc))


def _plain(file: str, sheet: str, row: int, column: str, value: Any, reason: Message) -> RejectedValue:
    return RejectedValue(file, sheet, row, column, str(value), reason)


def _out_of_scope(file: str, sheet: str, row: int) -> RejectedValue:
    """One answer for a row outside the rows the importer may change, whatever the stored row holds:
    it names nothing from the dataset, so it cannot confirm a guessed hidden value."""
    return RejectedValue(
        file,
        sheet,
        row,
        "",
        "",
        Message(
            gettext_noop("this row is outside the rows you may change (for a new row and a change alike)")
        ),
    )


def _changeable_ids(dataset: Dataset, edit: VisibleRelation | None) -> list[int]:
    """The current rows a replace may delete: all of them, or the ones in the importer's edit scope."""
    if edit is None or not edit.scoped:
        return tables.alive_ids(dataset)
    return [row_id for row_id, _rev, _values in edit.rows()]


def _reconcile_fields(
    dataset: Dataset, included: list[ColumnPlan], created: bool, edit: VisibleRelation | None
) -> tuple[list[Field], list[Field]]:
    """Match the file's columns to the dataset's fields; add new fields for new columns.

    Only columns the importer may see are matched: a column above their clearance is, to them, a column
    the dataset does not have. A new column is a schema change, which only managers make.
    """
    existing = dataset.live_fields()
    matchable = existing if edit is None else edit.visible
    by_name = {f.name: f for f in matchable} | {f.label: f for f in matchable}
    new_columns = [c.label for c in included if (by_name.get(c.name) or by_name.get(c.label)) is None]
    if new_columns and edit is not None and not edit.rights.can_manage:
        listed = MessageList([Message(gettext_noop("'%(label)s'"), label=label) for label in new_columns])
        raise ImportRejected(
            Message(
                gettext_noop(
                    "columns not in the dataset: %(listed)s. Only the dataset's managers add columns "
                    "(or leave those columns out of the import)"
                ),
                listed=listed,
            ),
        )
    file_fields: list[Field] = []
    position = len(existing)
    for number, col in enumerate(included, start=1):
        fld = by_name.get(col.name) or by_name.get(col.label)
        if fld is None:
            if len(col.label) > LABEL_MAX or len(col.name) > NAME_MAX:
                raise ImportRejected(
                    Message(
                        gettext_noop(
                            "the header of column %(number)s is longer than %(limit)s characters: shorten it"
                        ),
                        number=number,
                        limit=LABEL_MAX if len(col.label) > LABEL_MAX else NAME_MAX,
                    )
                )
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


LABEL_MAX = Field._meta.get_field("label").max_length or 200
NAME_MAX = Field._meta.get_field("name").max_length or 100


def _key_field(dataset: Dataset, plan: ImportPlan, fields: list[Field]) -> Field | None:
    if plan.key:
        for fld in fields:
            if plan.key in (fld.name, fld.label):
                if dataset.key_field_id != fld.pk:
                    dataset.key_field = fld
                    dataset.save(update_fields=["key_field"])
                    tables.index_column(dataset, fld)
                return fld
        raise ImportRejected(Message(gettext_noop("key column '%(key)s' not found"), key=plan.key))
    return dataset.key_field
