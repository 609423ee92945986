"""Server-sent event streams of a dataset's revisions.

Two flavours of the same stream:

- under ASGI (`kaidan serve`, uvicorn) an *async* generator: it holds no worker thread and no database
  connection while it waits. One watcher task per process polls every watched dataset in a single query
  about every 0.5 s and wakes only the streams whose dataset changed;
- under WSGI (the development server, pytest's live server) a *sync* generator that polls its dataset
  every 0.5 s and ends after about 30 s. EventSource reconnects by itself and sends `Last-Event-ID`, so
  nothing is missed.

Every wake-up runs `advance`: it reads the dataset's state, re-checks that the reader may still see the
dataset when it changed (or every RECHECK seconds), and renders the revisions the reader has not seen.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection
from django.utils import translation
from django.utils.translation import gettext as _

from kaidan.access.actors import Actor

from . import selectors
from .selectors import DatasetState

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.5
"""Seconds between two looks at the database."""
HEARTBEAT = 15.0
"""Seconds between keep-alive comments (proxies and browsers drop silent connections)."""
RECHECK = 10.0
"""Seconds between two checks that the reader may still see the dataset (also checked on every change)."""
WSGI_STREAM_SECONDS = 30.0
"""A sync stream holds a server thread, so it ends after this long and the browser reconnects."""
ASGI_STREAM_SECONDS = 600.0
"""An async stream ends after this long too, so that the session and the account are checked again."""
RETRY_MS = 1000
"""How long the browser waits before reconnecting (sent as `retry:`)."""

T = TypeVar("T")


def sse(
    *,
    event: str | None = None,
    data: Any = None,
    id: int | None = None,  # noqa: A002 — the SSE field is called id
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """One server-sent event message (https://html.spec.whatwg.org/multipage/server-sent-events.html)."""
    lines = []
    if comment is not None:
        lines.append(f": {comment}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {event}")
    if data is not None:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        lines.extend(f"data: {line}" for line in text.splitlines())
    return ("\n".join(lines) + "\n\n").encode()


@dataclass
class Cursor:
    """Where one stream is: the last revision the reader was told about, and the last access check."""

    actor: Actor
    dataset_pk: int
    last: int
    language: str
    whole: bool = False
    """May the reader see whole-dataset counts and messages (not confined to some rows)? Set at each check."""
    checked: datetime | None = None
    next_check: float = field(default_factory=lambda: time.monotonic() + RECHECK)


def advance(cursor: Cursor, *, recheck: bool = False) -> tuple[list[bytes], bool]:
    """The messages the reader has not had yet, and whether the stream must end (access lost, gone)."""
    state = selectors.dataset_state(cursor.dataset_pk)
    if state is None:
        return [closed(cursor, "gone")], True
    if (
        recheck
        or cursor.checked is None
        or state.updated_at != cursor.checked
        or time.monotonic() >= cursor.next_check
    ):
        r = selectors.reader_rights(cursor.dataset_pk, actor=cursor.actor)
        if r is None:
            return [closed(cursor, "revoked")], True
        cursor.whole = not r.row_filters
        cursor.checked = state.updated_at
        cursor.next_check = time.monotonic() + RECHECK
    messages = []
    if state.revision > cursor.last:
        for revision in selectors.revisions_after(cursor.dataset_pk, cursor.last):
            payload = selectors.revision_event(revision, cursor.language, whole=cursor.whole)
            messages.append(sse(event="revision", id=revision.number, data=payload))
        cursor.last = state.revision
    elif state.revision < cursor.last:  # the client claims more than there is: start from now
        cursor.last = state.revision
        messages.append(sse(id=state.revision))
    return messages, False


def closed(cursor: Cursor, reason: str) -> bytes:
    with translation.override(cursor.language):
        note = (
            _("This dataset is no longer available to you. Live updates have stopped.")
            if reason == "revoked"
            else _("This dataset has been deleted. Live updates have stopped.")
        )
    return sse(event="closed", data={"reason": reason, "note": note})


def preamble(cursor: Cursor) -> bytes:
    """Tell the browser how soon to reconnect, and where it is (an `id` without data sets Last-Event-ID)."""
    return sse(retry=RETRY_MS, id=cursor.last)


def _release_connection() -> None:
    """Give the database connection back between polls (never inside a test's transaction)."""
    if not connection.in_atomic_block:
        close_old_connections()


# ---- WSGI: a sync generator that ends after a while -------------------------------------------------


def sync_stream(cursor: Cursor, *, duration: float | None = None) -> Iterator[bytes]:
    deadline = time.monotonic() + (WSGI_STREAM_SECONDS if duration is None else duration)
    next_beat = time.monotonic() + HEARTBEAT
    yield preamble(cursor)
    try:
        while True:
            messages, done = advance(cursor)
            yield from messages
            if done:
                return
            now = time.monotonic()
            if now >= deadline:
                return
            if now >= next_beat:
                yield sse(comment="keep-alive")
                next_beat = now + HEARTBEAT
            _release_connection()
            time.sleep(POLL_INTERVAL)
    finally:
        _release_connection()


# ---- ASGI: an async generator woken by one watcher per process --------------------------------------


def _closing(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    finally:
        close_old_connections()


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a short database read in the shared thread pool, then release its connection."""
    return await sync_to_async(_closing, thread_sensitive=False)(fn, *args, **kwargs)


class Subscription:
    def __init__(self, dataset_pk: int) -> None:
        self.dataset_pk = dataset_pk
        self.state: DatasetState | None = None
        self.changed = asyncio.Event()

    def update(self, state: DatasetState | None) -> None:
        if state != self.state:
            self.state = state
            self.changed.set()


class Watcher:
    """Polls every dataset that has an open stream in this process with one query, about twice a second."""

    def __init__(self) -> None:
        self.subscriptions: dict[int, set[Subscription]] = {}
        self.task: asyncio.Task[None] | None = None

    def subscribe(self, dataset_pk: int) -> Subscription:
        subscription = Subscription(dataset_pk)
        self.subscriptions.setdefault(dataset_pk, set()).add(subscription)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self.subscriptions.get(subscription.dataset_pk)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self.subscriptions[subscription.dataset_pk]

    async def _run(self) -> None:
        while self.subscriptions:
            pks = list(self.subscriptions)
            try:
                states = await in_thread(selectors.dataset_states, pks)
            except Exception:  # a database hiccup must not end every stream: try again next time
                log.exception("live: polling datasets failed")
            else:
                for pk in pks:
                    for subscription in list(self.subscriptions.get(pk, ())):
                        subscription.update(states.get(pk))
            await asyncio.sleep(POLL_INTERVAL)


_watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Watcher] = weakref.WeakKeyDictionary()


def watcher() -> Watcher:
    loop = asyncio.get_running_loop()
    if loop not in _watchers:
        _watchers[loop] = Watcher()
    return _watchers[loop]


async def async_stream(cursor: Cursor, *, duration: float | None = None) -> AsyncIterator[bytes]:
    deadline = time.monotonic() + (ASGI_STREAM_SECONDS if duration is None else duration)
    next_beat = time.monotonic() + HEARTBEAT
    watch = watcher()
    subscription = watch.subscribe(cursor.dataset_pk)
    try:
        yield preamble(cursor)
        while True:
            messages, done = await in_thread(advance, cursor)
            for message in messages:
                yield message
            if done:
                return
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if now >= next_beat:
                    yield sse(comment="keep-alive")
                    next_beat = now + HEARTBEAT
                wait = min(deadline, next_beat, cursor.next_check) - now
                try:
                    await asyncio.wait_for(subscription.changed.wait(), timeout=max(wait, 0.01))
                except TimeoutError:
                    if time.monotonic() >= cursor.next_check:
                        break  # time to check the reader's access again
                    continue
                subscription.changed.clear()
                break
    finally:
        watch.unsubscribe(subscription)
