"""The REST endpoints (/api/v1/…): thin adapters from JSON to Kaidan's services and selectors.

Reads go through kaidan.catalog.selectors (the visible relation, the grid's query), writes through
kaidan.editing.services and the importer (bulk upsert), history through kaidan.history.selectors,
exports through kaidan.catalog.services.export_dataset. The actor is the token's organization or the
staff member (kaidan.api.http); those services decide what it may see and change.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from ninja import Field as SchemaField
from ninja import Query, Schema, Status

from kaidan.access.services import rights
from kaidan.catalog import selectors as catalog
from kaidan.catalog.models import Dataset
from kaidan.catalog.services import export_dataset
from kaidan.core.errors import NotFound
from kaidan.editing import services as editing
from kaidan.history import selectors as history
from kaidan.store.exports import FORMATS
from kaidan.store.values import to_json
from kaidan.values.messages import Message, gettext_noop

from .http import actor_of, api
from .services import ApiRejected
from .upsert import MAX_ROWS, as_text, bulk_upsert

# -- schemas ----------------------------------------------------------------------------------------


class ProblemOut(Schema):
    row: int | None = None
    column: str = ""
    value: str | None = None
    message: str
    message_ja: str
    message_en: str


class ErrorBody(Schema):
    code: str
    message: str
    message_ja: str
    message_en: str
    problems: list[ProblemOut]


class ErrorOut(Schema):
    error: ErrorBody


class FieldOut(Schema):
    name: str
    label: str
    type: str
    classification: str
    unit: str = ""
    description: str = ""
    key: bool = False


class DatasetOut(Schema):
    name: str
    title: str
    description: str
    owner: str
    classification: str
    revision: int
    rows: int | None = SchemaField(None, description="Omitted (null) for a reader confined to some rows.")


class DatasetDetail(DatasetOut):
    fields: list[FieldOut]
    can_edit: bool


class RecordOut(Schema):
    row_id: int
    rev: int = SchemaField(description="The revision that last wrote the row (give it back to change it).")
    values: dict[str, Any]


class RecordPage(Schema):
    total: int
    page: int
    size: int
    records: list[RecordOut]


class RecordIn(Schema):
    values: dict[str, Any]
    message: str = ""


class RecordChange(Schema):
    values: dict[str, Any]
    rev: int
    message: str = ""


class WriteOut(Schema):
    revision: int
    row_id: int | None = None


class UpsertIn(Schema):
    key: str = SchemaField("", description="The key column's name (default: the dataset's key).")
    rows: list[dict[str, Any]] = SchemaField(description=f"At most {MAX_ROWS} rows: column name → value.")
    message: str = ""


class UpsertOut(Schema):
    revision: int
    added: int
    changed: int
    removed: int


class RevisionOut(Schema):
    number: int
    created_at: datetime
    source: str
    message: str | None = None
    added: int | None = None
    changed: int | None = None
    removed: int | None = None


class RecordsQuery(Schema):
    sort: str = ""
    desc: bool = False
    page: int = 1
    size: int = SchemaField(50, ge=1, le=500)
    q: str = SchemaField("", description="Words (the Japanese search engine).")
    as_of: int | None = None


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

# -- helpers ----------------------------------------------------------------------------------------


def _dataset(request: HttpRequest, name: str, operation: str = "object.view") -> Dataset:
    return catalog.get_dataset(name, operation, actor=actor_of(request))


def _summary(d: Dataset, *, actor: Any) -> dict[str, Any]:
    r = rights(d, actor=actor)
    return {
        "name": d.name,
        "title": d.title,
        "description": d.description,
        "owner": d.owner.code,
        "classification": d.classification,
        "revision": d.current_revision,
        "rows": None if r.row_filters else d.row_count,
    }


def _texts(values: dict[str, Any]) -> dict[str, str | None]:
    texts: dict[str, str | None] = {}
    for name, value in values.items():
        try:
            texts[name] = as_text(value)
        except ValueError:
            raise editing.InvalidValues.one(
                Message(gettext_noop("a cell holds a single value, not a list or an object")), name
            ) from None
    return texts


# -- datasets ---------------------------------------------------------------------------------------


@api.get("/datasets", response={200: list[DatasetOut], **ERRORS}, tags=["datasets"])
def list_datasets(request: HttpRequest, search: str = "") -> Any:
    """The datasets the caller may see."""
    actor = actor_of(request)
    return [_summary(d, actor=actor) for d in catalog.list_datasets(actor=actor, search=search)]


@api.get("/datasets/{name}", response={200: DatasetDetail, **ERRORS}, tags=["datasets"])
def dataset_detail(request: HttpRequest, name: str) -> Any:
    """A dataset and its schema: the columns the caller may see."""
    actor = actor_of(request)
    d = _dataset(request, name)
    fields = [
        {
            "name": f.name,
            "label": f.label,
            "type": f.type,
            "classification": f.classification,
            "unit": f.unit,
            "description": f.description,
            "key": f.pk == d.key_field_id,
        }
        for f in catalog.visible_fields(d, actor=actor)
    ]
    return {
        **_summary(d, actor=actor),
        "fields": fields,
        "can_edit": rights(d, actor=actor).allows("object.edit"),
    }


# -- records ----------------------------------------------------------------------------------------


@api.get("/datasets/{name}/records", response={200: RecordPage, **ERRORS}, tags=["records"])
def list_records(request: HttpRequest, name: str, params: Query[RecordsQuery]) -> Any:
    """One page of records, filtered (`<column>__<op>=value`, ops as in the grid: exact, contains, gt,
    gte, lt, lte, in, isnull, notnull …), sorted and paged like the grid (the same query)."""
    actor = actor_of(request)
    d = _dataset(request, name)
    query = catalog.grid_query(d, request.GET, actor=actor)
    if query.errors:
        raise ApiRejected(query.errors[0])
    page = catalog.query_rows(d, query, actor=actor, purpose="view")
    names = [c.field.name for c in page.columns if not c.masked]
    shown = [i for i, c in enumerate(page.columns) if not c.masked]
    records = [
        {
            "row_id": row.row_id,
            "rev": row.rev,
            "values": {n: to_json(row.values[i]) for n, i in zip(names, shown, strict=True)},
        }
        for row in page.rows
    ]
    return {"total": page.total, "page": query.page, "size": query.size, "records": records}


@api.get("/datasets/{name}/records/{row_id}", response={200: RecordOut, **ERRORS}, tags=["records"])
def get_record(request: HttpRequest, name: str, row_id: int, as_of: int | None = None) -> Any:
    actor = actor_of(request)
    d = _dataset(request, name)
    row = catalog.get_row(d, row_id, actor=actor, as_of=as_of)
    if row is None:
        raise NotFound(detail=row_id)
    fields = catalog.relation(d, actor=actor, as_of=as_of).visible
    return {
        "row_id": row.row_id,
        "rev": row.rev,
        "values": {f.name: to_json(v) for f, v in zip(fields, row.values, strict=True)},
    }


@api.post("/datasets/{name}/records", response={201: WriteOut, **ERRORS, 409: ErrorOut}, tags=["records"])
def create_record(request: HttpRequest, name: str, body: RecordIn) -> Any:
    """Add one record (one revision). Columns not given stay empty."""
    d = _dataset(request, name)
    added = editing.add_record(d, _texts(body.values), body.message, actor=actor_of(request))
    return Status(201, {"revision": added.revision.number, "row_id": added.row_id})


@api.patch(
    "/datasets/{name}/records/{row_id}", response={200: WriteOut, **ERRORS, 409: ErrorOut}, tags=["records"]
)
def update_record(request: HttpRequest, name: str, row_id: int, body: RecordChange) -> Any:
    """Change some columns of one record, unless it changed since revision `rev` (409 then)."""
    d = _dataset(request, name)
    revision = editing.edit_record(
        d, row_id, _texts(body.values), body.rev, body.message, actor=actor_of(request)
    )
    return {"revision": revision.number, "row_id": row_id}


@api.delete(
    "/datasets/{name}/records/{row_id}", response={200: WriteOut, **ERRORS, 409: ErrorOut}, tags=["records"]
)
def delete_record(request: HttpRequest, name: str, row_id: int, rev: int, message: str = "") -> Any:
    """Delete one record, unless it changed since revision `rev` (409 then)."""
    d = _dataset(request, name)
    revision = editing.delete_records(d, {row_id: rev}, message, actor=actor_of(request))
    return {"revision": revision.number, "row_id": row_id}


@api.post("/datasets/{name}/upsert", response={200: UpsertOut, **ERRORS}, tags=["records"])
def upsert(request: HttpRequest, name: str, body: UpsertIn) -> Any:
    """Insert or update up to 10,000 rows by key in one revision: all or nothing. A refusal lists each bad
    value with its row index (0-based), column and value."""
    d = _dataset(request, name)
    result = bulk_upsert(d, body.rows, actor=actor_of(request), key=body.key, message=body.message)
    r = result.revision
    return {"revision": r.number, "added": r.added, "changed": r.changed, "removed": r.removed}


# -- history and exports ----------------------------------------------------------------------------


@api.get("/datasets/{name}/revisions", response={200: list[RevisionOut], **ERRORS}, tags=["history"])
def list_revisions(request: HttpRequest, name: str, page: int = 1) -> Any:
    """Revisions, newest first (100 a page). A reader confined to some rows is not told the whole
    dataset's messages and counts."""
    actor = actor_of(request)
    d = _dataset(request, name)
    whole = not rights(d, actor=actor).row_filters
    start = (max(page, 1) - 1) * 100
    out = []
    for rev in history.list_revisions(d)[start : start + 100]:
        item: dict[str, Any] = {"number": rev.number, "created_at": rev.created_at, "source": rev.source}
        if whole:
            item |= {
                "message": rev.message,
                "added": rev.added,
                "changed": rev.changed,
                "removed": rev.removed,
            }
        out.append(item)
    return out


def _diff_stream(found: history.Diff) -> Iterator[bytes]:
    head = {
        "from": found.a,
        "to": found.b,
        "schema": [{"change": s.kind, "label": s.label, "old": s.old, "new": s.new} for s in found.schema],
    }
    yield json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "changes": ['
    for i, row in enumerate(found.rows()):
        item = {
            "change": row.kind,
            "row_id": row.row_id,
            "key": to_json(row.key),
            "values": {c.field.name: to_json(c.new) for c in row.cells},
            "old": {c.field.name: to_json(c.old) for c in row.cells},
        }
        yield (b"," if i else b"") + json.dumps(item, ensure_ascii=False).encode()
    yield b"]}"


@api.get("/datasets/{name}/diff", response={200: dict[str, Any], **ERRORS}, tags=["history"])
def diff(request: HttpRequest, name: str, from_: int = Query(..., alias="from"), to: int = Query(...)) -> Any:
    """What changed from revision `from` to revision `to` (streamed): schema changes and row changes
    (added, changed, removed) of the rows and columns the caller may see."""
    actor = actor_of(request)
    d = _dataset(request, name)
    for number in (from_, to):
        if not 0 <= number <= d.current_revision:
            raise ApiRejected(
                Message(
                    gettext_noop("no revision %(number)s (0..%(current_revision)s)"),
                    number=number,
                    current_revision=d.current_revision,
                )
            )
    found = history.diff(d, from_, to, actor=actor)
    return StreamingHttpResponse(_diff_stream(found), content_type="application/json")


@api.get("/datasets/{name}/export", response={200: bytes, **ERRORS}, tags=["history"])
def export(request: HttpRequest, name: str, format: str = "csv", revision: int | None = None) -> Any:
    """The dataset (or one revision) as CSV, Shift_JIS CSV, XLSX, JSON or Parquet, as the caller may see it."""
    actor = actor_of(request)
    d = _dataset(request, name, "object.export")
    if format not in FORMATS:
        raise ApiRejected(
            Message(
                gettext_noop("unknown format '%(fmt)s' (%(value)s)"), fmt=format, value=", ".join(FORMATS)
            )
        )
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 — closed by FileResponse
    export_dataset(d, actor=actor, fmt=format, revision=revision, out=spool)  # type: ignore[arg-type]
    spool.seek(0)
    content_type, ext = FORMATS[format]
    suffix = f"-r{revision}" if revision else ""
    return FileResponse(
        spool, as_attachment=True, filename=f"{d.name}{suffix}.{ext}", content_type=content_type
    )
