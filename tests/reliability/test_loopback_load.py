"""A loopback load test: 50 concurrent clients read and write through a real `kaidan serve` at once.

Mixed traffic for a bounded time (KAIDAN_LOAD_SECONDS, 8 s in the default suite; `KAIDAN_LOAD_SECONDS=300` for
the long run): residents on the portal and the CKAN API, a business system reading records with its token,
and writers — each changing its own record of the AED list through the REST API, giving back the revision it
last saw. The answer must be zero errors (no 5xx, no refused or dropped connection, no time-out, no
conflict — each writer owns its record), every acknowledged write must be in the data afterwards, and the
p50/p99 of each kind is reported. On SQLite and, when the suite runs on PostgreSQL, on a scratch database.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict

import pytest

from tests.conftest import free_port
from tests.instances import instances, kaidan, serve

CLIENTS = 50
WRITERS = 10
SECONDS = float(os.environ.get("KAIDAN_LOAD_SECONDS", "8"))
NOTE = "備考"


class Client:
    """One keep-alive HTTP/1.1 connection (the standard library only)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"", token: str = "") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        if body:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            parts = []
            while size := int((await self.reader.readline()).strip() or b"0", 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            content = b"".join(parts)
        else:
            content = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status, content


@pytest.fixture
def served(tmp_path, demo_template):
    with instances(tmp_path, "load", template=demo_template) as (env,):
        kaidan(env, "publish", "aed", "--reason", "施設の代表番号")
        created = kaidan(
            env,
            *("token", "create", "--org", "bosai", "--name", "load test", "--clearance", "internal"),
            *("--scope", "object.view", "--scope", "object.edit"),
        )
        token = next(w for w in created.stdout.split() if w.startswith("kaidan_"))
        port = free_port()
        server = serve(env, port)
        try:
            yield port, token
        finally:
            server.send_signal(signal.SIGTERM)
            _out, err = server.communicate(timeout=30)
            assert server.returncode == 0, err.decode()[-2000:]


def test_fifty_clients_reading_and_writing_at_once_get_no_errors_and_lose_no_write(served, capsys):
    port, token = served
    q = urllib.parse.quote
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/3/action/package_show?id=aed") as r:  # noqa: S310
        resource = json.loads(r.read())["result"]["resources"][0]["id"]
    reads = [
        ("portal page", "/dataset/aed/", ""),
        ("CKAN datastore_search", f"/api/3/action/datastore_search?resource_id={resource}&limit=20", ""),
        ("CKAN package_search", f"/api/3/action/package_search?q={q('AED')}", ""),
        ("REST records (token)", "/api/v1/datasets/aed/records?page_size=20", token),
    ]
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    acknowledged: dict[int, str] = {}

    async def reader(n: int, stop: float) -> None:
        client = Client(port)
        i = n
        while time.monotonic() < stop:
            kind, path, auth = reads[i % len(reads)]
            i += 1
            started = time.perf_counter()
            try:
                status, _body = await asyncio.wait_for(client.request("GET", path, token=auth), 30)
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                errors.append(f"{kind}: {exc!r}")
                client = Client(port)
                continue
            latencies[kind].append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"{kind}: HTTP {status}")

    async def writer(row: int, stop: float) -> None:
        client = Client(port)
        status, body = await client.request("GET", f"/api/v1/datasets/aed/records/{row}", token=token)
        assert status == 200, body
        rev = json.loads(body)["rev"]
        count = 0
        while time.monotonic() < stop:
            count += 1
            value = f"負荷試験 {row}-{count}"
            payload = json.dumps({"values": {NOTE: value}, "rev": rev, "message": "load"}).encode()
            started = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(
                    client.request("PATCH", f"/api/v1/datasets/aed/records/{row}", payload, token), 60
                )
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                errors.append(f"write: {exc!r}")
                return
            latencies["REST record change"].append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"write: HTTP {status} {body[:200]!r}")
                return
            rev = json.loads(body)["revision"]
            acknowledged[row] = value

    async def run() -> None:
        stop = time.monotonic() + SECONDS
        rows = range(1, WRITERS + 1)
        await asyncio.gather(
            *(writer(row, stop) for row in rows), *(reader(n, stop) for n in range(CLIENTS - WRITERS))
        )

    # in a thread of its own: an earlier browser test may leave an event loop set on this one
    clients = threading.Thread(target=lambda: asyncio.run(run()))
    clients.start()
    clients.join()
    with capsys.disabled():
        print(f"\nloopback load: {CLIENTS} clients ({WRITERS} writing) for {SECONDS:.0f} s")
        for kind, times in sorted(latencies.items()):
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(
                f"  {kind:<24} {len(times):>6} requests  p50 {statistics.median(times) * 1000:6.0f} ms"
                f"  p99 {p99 * 1000:6.0f} ms"
            )
    assert not errors, errors[:10]
    assert len(acknowledged) == WRITERS and sum(len(v) for v in latencies.values()) > CLIENTS
    for row, value in acknowledged.items():
        request = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{port}/api/v1/datasets/aed/records/{row}",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request) as r:  # noqa: S310
            assert json.loads(r.read())["values"][NOTE] == value
