"""Live updates of a dataset: a server-sent event stream of its new revisions."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import translation

from kaidan.catalog.selectors import get_dataset

from .streams import Cursor, async_stream, sync_stream


def _since(request: HttpRequest, current: int) -> int:
    """Where the client is: Last-Event-ID (a reconnecting EventSource) or ?since=N, else now."""
    for text in (request.headers.get("Last-Event-ID", ""), request.GET.get("since", "")):
        text = text.strip()
        if text.isdigit():
            return min(int(text), current)
    return current


async def events(request: HttpRequest, name: str) -> StreamingHttpResponse:
    """`text/event-stream` of `revision` events for one dataset (404 when the user may not read it).

    Under ASGI the stream is an async generator (no thread held while waiting); under WSGI, which would
    buffer an async iterator for ever, a sync generator that ends after ~30 s (the browser reconnects).
    """
    user = await request.auser()  # type: ignore[attr-defined]
    dataset = await sync_to_async(get_dataset)(name, actor=user)
    cursor = Cursor(
        actor=user,
        dataset_pk=dataset.pk,
        last=_since(request, dataset.current_revision),
        language=translation.get_language() or "ja",
    )
    if isinstance(request, ASGIRequest):
        # The request's own thread would otherwise keep a database connection for the whole stream.
        await sync_to_async(_close_connection)()
        response = StreamingHttpResponse(
            async_stream(cursor), content_type="text/event-stream; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(sync_stream(cursor), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer this response
    return response


def _close_connection() -> None:
    if not connection.in_atomic_block:
        connection.close()
