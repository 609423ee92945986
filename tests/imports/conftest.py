"""A department's dataset, its editor, and a real HTTP server (http.server in a thread) serving the
business system's nightly export, with ETag and Last-Modified like a real web server."""

from __future__ import annotations

import email.utils
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import

CSV = "番号,施設名,定員\n1,池尻会館,30\n2,太子堂会館,45\n"


@dataclass
class Served:
    body: bytes
    status: int = 200
    etag: bool = True
    last_modified: str = field(default_factory=lambda: email.utils.formatdate(usegmt=True))


@dataclass
class ExportServer:
    """What the business system serves (path → file) and every request it received (path, headers)."""

    files: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: str | bytes, **options: Any) -> None:
        self.files[path] = Served(body.encode("utf-8") if isinstance(body, str) else body, **options)


def _handler(server: ExportServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's hook name)
            server.requests.append((self.path, dict(self.headers.items())))
            served = server.files.get(self.path)
            if served is None or served.status != 200:
                self.send_error(served.status if served else 404)
                return
            tag = '"' + hashlib.sha256(served.body).hexdigest()[:16] + '"'
            if served.etag and self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/csv; charset=utf-8")
            self.send_header("Content-Length", str(len(served.body)))
            self.send_header("Last-Modified", served.last_modified)
            if served.etag:
                self.send_header("ETag", tag)
            self.end_headers()
            self.wfile.write(served.body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — quiet
            return

    return Handler


@pytest.fixture
def export_server(settings) -> Iterator[ExportServer]:
    served = ExportServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    served.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.IMPORT_URL_HOSTS = ["127.0.0.1"]
    try:
        yield served
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def ward(tmp_path, make_org, make_user) -> dict[str, Any]:
    owner = make_org("hokenfukushi", name="保健福祉課")
    editor = make_user("fukushi.editor", owner, "editor")
    viewer = make_user("fukushi.viewer", owner, "viewer")
    path = tmp_path / "facilities.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _ = plan_import(path, dataset="facilities", organization=owner.code, title="施設一覧", key="番号")
    run_import(plan, actor=SYSTEM)
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "dataset": Dataset.objects.get(name="facilities"),
    }


def body_of(message: Message) -> str:
    """The text part of a received mail, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def attachment_of(message: Message, name: str) -> bytes:
    for part in message.walk():
        if part.get_filename() == name:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError(f"no attachment {name}")
