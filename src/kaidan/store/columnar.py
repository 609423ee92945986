"""A big dataset's current rows kept as an Arrow file per revision, so no reader pays the cold read.

Building a visible relation's snapshot (kaidan.store.arrow) reads the master table row by row: about 7 s of
CPU for 1,000,000 rows × 9 columns on SQLite, which the first chart or SQL query after every write paid. Now
the background worker writes, right after a revision of a dataset of at least `FROM_ROWS` rows commits, the
current rows of *every* live column in display order, with their `_id`, as one uncompressed Arrow IPC file
under the data directory (`cache/columnar/`). A reader's snapshot is then cut from that file, memory-mapped:

- its **columns** are the relation's visible fields (by field id, so renames do not matter) — a column the
  reader may not see is simply not taken;
- its **rows** are the relation's row scope, decided as everywhere by the relation's own SQL
  (`VisibleRelation.where`): a scoped reader's visible `_id`s are read from the master table (one integer
  column) and the file's rows filtered by them; an unscoped reader takes every row.

The file is a copy of the store like an index, not a grant: what a reader gets is still decided by the
compiled relation, and the tests compare a cut snapshot with the one read from the table for every kind of
reader (tests/store/test_columnar.py). A file is named by the dataset, the revision number and the
revision's id and time, so a restored database that reuses revision numbers never meets an old file; it is
written under a temporary name and renamed (a reader never sees half a file); only the newest file of a
dataset is kept. When the file is missing — the worker has not finished, the dataset is small, a type does
not match — the snapshot is read from the table as before.

The worker reads the rows outside a transaction and keeps them only if the dataset's revision is the same
before and after the read (one SELECT sees one committed state; an equal revision around it means that state
is the revision's).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import transaction

from kaidan.catalog.models import Dataset

from .arrow import arrow_type, read_columns
from .models import Revision
from .relation import VisibleRelation

FROM_ROWS = 20_000
"""Smaller datasets are read from the table in well under a second: no file."""

log = logging.getLogger(__name__)


def folder() -> Path:
    return Path(settings.DATA_DIR) / "cache" / "columnar"


def _stamp(dataset_id: int, number: int) -> str | None:
    row = (
        Revision.objects.filter(dataset_id=dataset_id, number=number).values_list("pk", "created_at").first()
    )
    if row is None:
        return None
    pk, created = row
    return f"{dataset_id}-{number}-{pk}-{int(created.timestamp() * 1_000_000)}"


def _path(stamp: str) -> Path:
    return folder() / f"{stamp}.arrow"


def schedule(dataset: Dataset) -> None:
    """Ask the worker for the dataset's file once the current transaction (a revision's) commits, when the
    dataset is then big enough to need one."""
    dataset_id = dataset.pk

    def enqueue() -> None:
        rows = Dataset.objects.filter(pk=dataset_id).values_list("row_count", flat=True).first()
        if rows is None or rows < FROM_ROWS:
            return
        from .tasks import build_columnar

        try:
            build_columnar.enqueue(dataset_id)
        except Exception:  # noqa: BLE001 - the revision is committed; without the file readers read the table
            log.exception("columnar file of dataset %s not scheduled", dataset_id)

    transaction.on_commit(enqueue)


def build(dataset_id: int) -> Path | None:
    """Write the file of the dataset's current revision (None: nothing written — small, gone, or changed
    during the read)."""
    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None or dataset.row_count < FROM_ROWS:
        return None
    number = dataset.current_revision
    stamp = _stamp(dataset_id, number)
    if stamp is None:
        return None
    target = _path(stamp)
    if target.exists():
        return target
    fields = dataset.live_fields()
    table = read_columns(
        dataset,
        fields,
        names=[str(f.pk) for f in fields],
        where="",
        params=[],
        with_ids=True,
    )
    if Dataset.objects.filter(pk=dataset_id).values_list("current_revision", flat=True).first() != number:
        return None  # a newer revision committed during the read: its own task writes its file
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    partial.replace(target)
    for old in folder().glob(f"{dataset_id}-*.arrow"):
        if old != target:
            old.unlink(missing_ok=True)
    for left in folder().glob(f"{dataset_id}-*.partial"):  # a worker killed while writing
        if left.stat().st_mtime < time.time() - 3600:
            left.unlink(missing_ok=True)
    return target


def cut(rel: VisibleRelation) -> pa.Table | None:
    """The relation's snapshot cut from its revision's file, or None when there is no usable file."""
    if rel.as_of is not None or not rel.allowed or rel.dataset.row_count < FROM_ROWS:
        return None
    stamp = _stamp(rel.dataset.pk, rel.number)
    if stamp is None:
        return None
    path = _path(stamp)
    try:
        stored = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    except (FileNotFoundError, pa.ArrowInvalid, OSError):
        return None
    names = stored.schema.names
    columns = []
    for f in rel.visible:
        name = str(f.pk)
        if name not in names or stored.schema.field(name).type != arrow_type(f.type):
            log.info("columnar file %s does not hold field %s as %s", path.name, f.pk, f.type)
            return None
        columns.append(stored.column(name))
    where, params = rel.where()
    if where:  # the scope's rows, by the relation's own condition: their ids as one Arrow column
        ids = read_columns(rel.dataset, [], names=[], where=where, params=params, with_ids=True).column("_id")
        keep = pc.is_in(stored.column("_id"), value_set=ids.combine_chunks())
        columns = [pc.filter(column, keep) for column in columns]
    return pa.Table.from_arrays(columns, names=[f.name for f in rel.visible])
