"""Django's WSGI handler under uvicorn: one hop to a worker thread and one back for an ordinary answer.

a2wsgi (the general bridge) hands every message of a response from the worker thread to the event loop and
waits for it there — the start, each chunk and the end are each a cross-thread round trip — and reads the
request body through the loop the same way. For the pages and API answers that make up nearly all requests
(a request body that arrived in one message, a response that is not streamed) that cost more than the
answer itself: measured with 8 keep-alive clients on the project's 2-core machine, a trivial WSGI
application through a2wsgi took 0.74 ms of server CPU a request against 0.09 ms for the same answer in ASGI,
and a one-record `datastore_search` spent about a quarter of its server time there.

So `WSGIBridge` runs the handler in its fixed pool of threads (each keeps its database connection, see
CONN_MAX_AGE) and, when Django's response is not streaming, takes the whole body in that thread and returns
it to the loop with the status and headers: one hand-over each way. A streaming response (exports,
downloads) is sent chunk by chunk from the same thread as it is produced — its iterator may read the
database through that thread's connection — waiting for each chunk to be handed to the server (the
back-pressure a2wsgi gives too). A request whose body comes in several messages (an upload) goes through
a2wsgi unchanged, which reads it as the handler asks for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ

Message = dict[str, Any]


class WSGIBridge:
    """An ASGI application serving a WSGI application from a fixed pool of `workers` threads."""

    def __init__(self, app: Callable[..., Iterable[bytes]], workers: int) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(thread_name_prefix="WSGI", max_workers=workers)
        self.general = WSGIMiddleware(app, workers=workers)  # type: ignore[arg-type]
        self.general.executor = self.executor  # one pool: a thread per database connection, not two sets

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.general(scope, receive, send)  # type: ignore[arg-type]
            return
        first: Message = await receive()
        if first.get("type") != "http.request" or first.get("more_body"):
            await self.general(scope, _replaying(first, receive), send)  # type: ignore[arg-type]
            return
        loop = asyncio.get_running_loop()
        environ: Any = build_environ(scope, io.BytesIO(first.get("body", b"")))  # type: ignore[arg-type]
        context = contextvars.copy_context()
        work = functools.partial(context.run, self._answer, environ, loop, send)
        answer = await loop.run_in_executor(self.executor, work)
        if answer is not None:  # an ordinary response: sent from here, in two messages
            start, body = answer
            await send(start)
            await send({"type": "http.response.body", "body": body})

    def _answer(
        self, environ: dict[str, Any], loop: asyncio.AbstractEventLoop, send: Any
    ) -> tuple[Message, bytes] | None:
        """In a worker thread: the response's start message and whole body, or None once a streamed
        response has been sent from here."""
        started: list[Message] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [
                {
                    "type": "http.response.start",
                    "status": int(status.split(" ", 1)[0]),
                    "headers": [
                        (k.strip().lower().encode("latin1"), v.strip().encode("latin1")) for k, v in headers
                    ],
                }
            ]
            return lambda chunk: deliver({"type": "http.response.body", "body": chunk, "more_body": True})

        def deliver(message: Message) -> None:
            if started:
                asyncio.run_coroutine_threadsafe(send(started.pop()), loop).result()
            asyncio.run_coroutine_threadsafe(send(message), loop).result()

        response = self.app(environ, start_response)
        try:
            if not getattr(response, "streaming", False):
                body = b"".join(response)
                if started:
                    return started[0], body
                deliver({"type": "http.response.body", "body": body})  # wrote through `write`
                return None
            for chunk in response:
                if chunk:
                    deliver({"type": "http.response.body", "body": chunk, "more_body": True})
            deliver({"type": "http.response.body", "body": b""})
            return None
        finally:
            getattr(response, "close", lambda: None)()  # in this thread: Django's request_finished


def _replaying(first: Message, receive: Any) -> Any:
    """`receive` with an already received message given back first."""
    pending = [first]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()  # type: ignore[no-any-return]

    return replay
