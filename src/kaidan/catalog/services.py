"""Exporting a dataset: the one path the web download and `kaidan export` share (masked, audited)."""

from __future__ import annotations

from typing import Any, BinaryIO

from kaidan.audit.services import record
from kaidan.store.exports import FORMATS, write

from .models import Dataset
from .selectors import iter_visible_rows


class ExportRejected(ValueError):
    """The export was asked for in a way that cannot be served (unknown format or revision)."""


def export_dataset(actor: Any, dataset: Dataset, *, fmt: str, revision: int | None, out: BinaryIO) -> None:
    """Write what the actor may see of the dataset (at `revision`, or now) to `out`, and log the export.

    The caller has checked "object.export" (kaidan.catalog.selectors.get_dataset).
    """
    if fmt not in FORMATS:
        raise ExportRejected(
            f"形式「{fmt}」には対応していません / unknown format '{fmt}' ({', '.join(FORMATS)})"
        )
    if revision is not None and not 1 <= revision <= dataset.current_revision:
        raise ExportRejected(
            f"版 {revision} はありません / no revision {revision} (1..{dataset.current_revision})"
        )
    view = iter_visible_rows(actor, dataset, as_of=revision, purpose="export")
    record(actor, "store.export", dataset, detail={"format": fmt, "revision": revision})
    write(fmt, view.fields, view.rows, out)
