"""kaidan.core.wsgibridge: a WSGI application under ASGI — an ordinary answer in one hand-over, a streamed
one chunk by chunk from the thread that produces it, an upload in several messages read as it arrives."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

from asgiref.testing import ApplicationCommunicator

from kaidan.core.wsgibridge import WSGIBridge


def scope(method: str = "GET", path: str = "/", headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"q=1",
        "headers": headers or [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


def exchange(app: Any, request: dict, bodies: list[bytes]) -> list[dict]:
    """Send the request body in these messages; return every message the application sent."""

    async def run() -> list[dict]:
        communicator = ApplicationCommunicator(app, request)
        for i, body in enumerate(bodies):
            await communicator.send_input(
                {"type": "http.request", "body": body, "more_body": i < len(bodies) - 1}
            )
        messages = [await communicator.receive_output(timeout=5)]
        while messages[-1]["type"] != "http.response.body" or messages[-1].get("more_body"):
            messages.append(await communicator.receive_output(timeout=5))
        await communicator.wait(timeout=5)
        return messages

    return asyncio.run(run())


class Echo:
    """A WSGI application answering with what it was asked (and in which thread it ran)."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self, environ: dict, start_response: Any) -> list[bytes]:
        self.threads.append(threading.get_ident())
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0) or -1)
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-Query", environ["QUERY_STRING"])])
        return [environ["REQUEST_METHOD"].encode(), b" ", body]


def test_an_ordinary_answer_is_one_start_and_one_body_message_made_in_a_worker_thread():
    app = Echo()
    messages = exchange(WSGIBridge(app, workers=2), scope("POST"), [b"hello"])
    assert messages == [
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"text/plain"), (b"x-query", b"q=1")],
        },
        {"type": "http.response.body", "body": b"POST hello"},
    ]
    assert app.threads and app.threads[0] != threading.get_ident()


def test_a_body_in_several_messages_is_read_as_it_arrives():
    headers = [(b"host", b"testserver"), (b"content-length", b"11")]
    messages = exchange(WSGIBridge(Echo(), workers=2), scope("POST", headers=headers), [b"hello", b" world"])
    assert messages[0]["status"] == 201
    assert b"".join(m.get("body", b"") for m in messages[1:]) == b"POST hello world"


class Streamed:
    """A response that is produced while it is sent (Django's StreamingHttpResponse sets `streaming`)."""

    streaming = True

    def __init__(self) -> None:
        self.threads: set[int] = set()
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for i in range(3):
            self.threads.add(threading.get_ident())
            yield f"part {i};".encode()

    def close(self) -> None:
        self.closed = True


def test_a_streamed_answer_goes_chunk_by_chunk_from_the_thread_producing_it_and_is_closed():
    response = Streamed()

    def app(environ: dict, start_response: Any) -> Streamed:
        response.threads.add(threading.get_ident())
        start_response("200 OK", [("Content-Type", "text/csv")])
        return response

    messages = exchange(WSGIBridge(app, workers=3), scope(), [b""])
    assert messages[0] == {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/csv")],
    }
    assert [m["body"] for m in messages[1:]] == [b"part 0;", b"part 1;", b"part 2;", b""]
    assert [m.get("more_body", False) for m in messages[1:]] == [True, True, True, False]
    assert len(response.threads) == 1 and response.closed  # one thread: its database connection throughout


def test_an_application_writing_through_start_responses_callable_is_answered_in_order():
    def app(environ: dict, start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"early ")
        return [b"late"]

    messages = exchange(WSGIBridge(app, workers=1), scope(), [b""])
    assert messages[0]["type"] == "http.response.start"
    assert b"".join(m.get("body", b"") for m in messages[1:]) == b"early late"
    assert messages[-1].get("more_body", False) is False
