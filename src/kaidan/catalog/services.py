"""Exporting a dataset: the one path the web download and `kaidan export` share (masked, audited)."""

from __future__ import annotations

from typing import Any, BinaryIO

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from kaidan.access.actors import Actor, account_of
from kaidan.access.services import rights
from kaidan.audit.services import record
from kaidan.core.errors import Forbidden
from kaidan.store.exports import FORMATS, write
from kaidan.values.messages import Message, gettext_noop

from .models import Dataset, SavedView
from .query import GridQuery
from .selectors import iter_visible_rows


class ExportRejected(ValueError):
    """The export was asked for in a way that cannot be served (unknown format or revision)."""


def export_dataset(
    dataset: Dataset,
    *,
    actor: Actor,
    fmt: str,
    revision: int | None,
    out: BinaryIO,
    query: GridQuery | None = None,
) -> None:
    """Write what the actor may see of the dataset (at `revision`, or now) to `out`, and log the export.

    The caller has checked "object.export" (kaidan.catalog.selectors.get_dataset).
    """
    if fmt not in FORMATS:
        raise ExportRejected(
            Message(
                gettext_noop("unknown format '%(fmt)s' (%(value)s)"), fmt=fmt, value=", ".join(FORMATS)
            ).bilingual()
        )
    if revision is not None and not 1 <= revision <= dataset.current_revision:
        raise ExportRejected(
            Message(
                gettext_noop("no revision %(revision)s (1..%(current_revision)s)"),
                revision=revision,
                current_revision=dataset.current_revision,
            ).bilingual()
        )
    view = iter_visible_rows(dataset, actor=actor, as_of=revision, purpose="export", query=query)
    detail: dict[str, Any] = {"format": fmt, "revision": revision}
    if query is not None:
        chosen: dict[str, list[str]] = {}
        for key, value in query.params(page=False):
            chosen.setdefault(key, []).append(value)
        detail["query"] = chosen
    record("store.export", dataset, actor=actor, detail=detail)
    write(fmt, view.fields, view.rows, out)


def save_view(dataset: Dataset, *, actor: Actor, title: str, query: GridQuery) -> SavedView:
    """Save a grid query as a named view with its own link (editors of the dataset)."""
    if not rights(dataset, actor=actor).allows("object.edit"):
        raise Forbidden()
    base = slugify(title) or "view"
    for attempt in range(1, 100):
        slug = base if attempt == 1 else f"{base}-{attempt}"
        try:
            with transaction.atomic():
                view = SavedView.objects.create(
                    dataset=dataset,
                    slug=slug,
                    title=title,
                    query=query.querystring(page=1),
                    created_by=account_of(actor=actor),
                )
        except IntegrityError:
            continue
        record("view.create", dataset, actor=actor, detail={"view": view.slug, "query": view.query})
        return view
    raise ValueError(title)


def delete_view(view: SavedView, *, actor: Actor) -> None:
    """Delete a saved view: its creator or a manager of the dataset."""
    r = rights(view.dataset, actor=actor)
    if not (
        r.can_manage
        or (
            view.created_by_id is not None
            and view.created_by_id == getattr(account_of(actor=actor), "pk", None)
        )
    ):
        raise Forbidden()
    record("view.delete", view.dataset, actor=actor, detail={"view": view.slug, "query": view.query})
    view.delete()


INDEX_FROM_ROWS = 20_000
_index_requested: set[tuple[int, int]] = set()


def index_for_query(dataset: Dataset, query: GridQuery) -> None:
    """Ask the background worker to index the columns a grid query filters, sorts or counts on.

    Small tables are scanned faster than they are indexed; on big ones (INDEX_FROM_ROWS and up) the
    first such query is slow and the following ones use the index. Each column is asked for once per process
    (creating an index that exists is a no-op anyway).
    """
    if dataset.row_count < INDEX_FROM_ROWS:
        return
    wanted = {f.pk for f in query.filters_fields()}
    if query.sort is not None:
        wanted.add(query.sort.pk)
    wanted |= {f.pk for f in query.facets}
    new = sorted(pk for pk in wanted if (dataset.pk, pk) not in _index_requested)
    if not new:
        return
    from .tasks import index_columns

    _index_requested.update((dataset.pk, pk) for pk in new)
    index_columns.enqueue(dataset.pk, new)
