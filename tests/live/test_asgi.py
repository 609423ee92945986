"""Under ASGI (`kaidan serve` runs uvicorn) the stream is asynchronous: it is run here through Django's own
ASGI application, with a real session cookie, and must deliver a change while it is open."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from django.urls import reverse

from kaidan.live import streams

from .conftest import change_cell
from .sse import parse

pytestmark = pytest.mark.django_db(transaction=True)


def scope_for(path: str, session: str | None) -> dict:
    headers = [(b"host", b"testserver"), (b"accept", b"text/event-stream")]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def run_async(scenario) -> None:
    """Run the scenario in a thread of its own: Playwright's sync API (tests/e2e) may keep an event loop
    running in the test thread for the whole session, and async_to_sync refuses to run inside one."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            async_to_sync(scenario)()
        except BaseException as exc:  # noqa: BLE001 — re-raised in the test thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def open_stream(app, path: str, session: str | None) -> tuple[ApplicationCommunicator, dict]:
    communicator = ApplicationCommunicator(app, scope_for(path, session))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=5)
    return communicator, start


async def next_event(communicator: ApplicationCommunicator, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while True:
        message = await communicator.receive_output(timeout=max(deadline - time.monotonic(), 0.01))
        events = [m for m in parse(message.get("body", b"")) if m.event]
        if events:
            return events


def test_the_asgi_stream_delivers_a_change_to_two_readers_while_open(
    client, reader, suzuki, shelters, fast_streams
):
    client.force_login(reader)
    session = client.cookies["sessionid"].value
    path = reverse("live:events", args=[shelters.name])
    app = get_asgi_application()

    async def scenario() -> None:
        first, start = await open_stream(app, path, session)
        second, _start = await open_stream(app, path, session)
        assert start["status"] == 200
        assert dict(start["headers"])[b"Content-Type"] == b"text/event-stream; charset=utf-8"
        for communicator in (first, second):  # the preamble arrives at once: the response streams
            preamble = await communicator.receive_output(timeout=5)
            assert b"retry:" in preamble["body"] and preamble["more_body"] is True

        saved = time.monotonic()
        number = await sync_to_async(change_cell)(suzuki, shelters, 0, "収容人数", 350)
        for communicator in (first, second):
            [event] = await next_event(communicator, timeout=2)
            assert event.event == "revision" and event.id == number
            assert event.data["note"] == f"鈴木 一郎さんが 1件を変更しました（版 {number}）"
        assert time.monotonic() - saved < 2

        # Both streams share one watcher task (one per event loop) that polls the database for every open
        # stream; an earlier test's loop may not be collected yet, so only this loop's watcher is asked.
        watcher = streams._watchers[asyncio.get_running_loop()]
        assert set(watcher.subscriptions) == {shelters.pk} and len(watcher.subscriptions[shelters.pk]) == 2

        for communicator in (first, second):  # the browser goes away: the stream ends cleanly
            await communicator.send_input({"type": "http.disconnect"})
            await communicator.wait(timeout=5)
        await asyncio.sleep(0)
        assert watcher.subscriptions == {}

    run_async(scenario)


def test_the_asgi_stream_refuses_a_user_who_may_not_read(client, make_org, make_user, shelters):
    other = make_user("kobayashi", make_org("kyoiku", name="教育委員会"), role="editor")
    client.force_login(other)
    path = reverse("live:events", args=[shelters.name])

    async def scenario() -> None:
        communicator, start = await open_stream(
            get_asgi_application(), path, client.cookies["sessionid"].value
        )
        assert start["status"] == 404
        await communicator.wait(timeout=5)

    run_async(scenario)
