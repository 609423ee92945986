"""`kaidan serve` spreads connections over its workers and stops every process it started on SIGTERM.

Runs the real command in a subprocess on a free loopback port, with its own SQLite database."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc (Linux)")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found |= {child} | descendants(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(tmp_path: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "KAIDAN_DATABASE_URL"}
    env["KAIDAN_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "kaidan.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("kaidan serve did not answer")


def established_by(pid: int, port: int, state: str = "01") -> int:
    """Connections to `port` in `state` (01 established, 0A listening) whose socket the process holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local_port = int(parts[1].split(":")[1], 16)
        if local_port == port and parts[3] == state and parts[9] in inodes:
            count += 1
    return count


def stop_and_check(process: subprocess.Popen[bytes]) -> None:
    started = descendants(process.pid)
    assert started, "kaidan serve started no worker processes"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(alive(p) for p in started):
        time.sleep(0.2)
    assert not [p for p in started if alive(p)], "processes left running after SIGTERM"


def test_sigterm_stops_the_server_and_its_background_worker(tmp_path):
    process = start(tmp_path, free_port(), workers=1)
    stop_and_check(process)


def test_connections_are_spread_over_the_workers(tmp_path):
    port = free_port()
    process = start(tmp_path, port, workers=2)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # both workers listen on their own socket (SO_REUSEPORT)
            servers = [
                p
                for p in descendants(process.pid)
                if "--reuse-port" in Path(f"/proc/{p}/cmdline").read_text()
            ]
            if len(servers) == 2 and all(established_by(p, port, "0A") for p in servers):
                break
            time.sleep(0.3)
        connections = []
        for _ in range(16):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connections.append(connection)  # kept open: keep-alive
        servers = [
            p for p in descendants(process.pid) if "--reuse-port" in Path(f"/proc/{p}/cmdline").read_text()
        ]
        assert len(servers) == 2
        counts = [established_by(p, port) for p in servers]
        assert all(n > 0 for n in counts), counts
        for connection in connections:
            connection.close()
    finally:
        stop_and_check(process)
