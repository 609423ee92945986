"""`kaidan serve`: migrate, then run the site on uvicorn (a production-grade ASGI server)."""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
from typing import Any

import uvicorn
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(gettext_noop("Migrate the database, then serve Kaidan with uvicorn (ASGI).")).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Worker processes (production: 2×cores).")
        parser.add_argument("--no-migrate", action="store_true", help="Skip migrating first.")
        parser.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a background worker (run `kaidan db_worker`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reuse_port"]:  # one of several worker processes started by `kaidan serve --workers N`
            signal.signal(signal.SIGTERM, _exit)
            serve_one(options["host"], options["port"], reuse_port=True)
            return
        from kaidan.core.backup import unfinished_restore

        if unfinished_restore():
            raise CommandError(
                Message(
                    gettext_noop(
                        "A restore into this instance did not finish: run the same kaidan restore again."
                    )
                ).bilingual(),
                returncode=2,
            )
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        host, port = options["host"], options["port"]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        stop = Message(gettext_noop("Ctrl+C to stop")).bilingual()
        self.stdout.write(f"Kaidan: http://{shown}:{port}/  ({stop})")
        worker = None
        if not options["no_worker"]:
            # Background jobs (imports) run in a separate process from django-tasks' database queue.
            worker = subprocess.Popen([sys.executable, "-m", "kaidan.cli", "db_worker"])  # noqa: S603
        from kaidan.core import periodic

        stop_releases = periodic.start()  # releases due undecided (未決定) objects, sends due webhooks
        # uvicorn re-raises the SIGTERM it handled once it has stopped; with the default handler that ends the
        # process at once, before the `finally` below, and the background worker would be left running.
        signal.signal(signal.SIGTERM, _exit)
        children: list[subprocess.Popen[bytes]] = []
        try:
            if options["workers"] <= 1:
                serve_one(host, port)
            else:
                children = [
                    subprocess.Popen(  # noqa: S603
                        [
                            sys.executable,
                            "-m",
                            "kaidan.cli",
                            "serve",
                            "--no-migrate",
                            "--no-worker",
                            "--workers",
                            "1",
                            "--host",
                            host,
                            "--port",
                            str(port),
                            "--reuse-port",
                        ]
                    )
                    for _ in range(options["workers"])
                ]
                for child in children:
                    child.wait()
        finally:
            stop_releases.set()
            for process in [*children, *([worker] if worker is not None else [])]:
                if process.poll() is None:
                    process.terminate()
            for process in [*children, *([worker] if worker is not None else [])]:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def _exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def serve_one(host: str, port: int, *, reuse_port: bool = False) -> None:
    """One uvicorn server. With `reuse_port` each worker process binds its own socket (SO_REUSEPORT), so the
    kernel spreads new connections over the workers; a shared socket leaves keep-alive clients on whichever
    worker accepted first."""
    config = uvicorn.Config(
        "kaidan.asgi:application",
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=True,
        lifespan="off",
        # Live-update streams (kaidan.live) stay open; without a limit a restart would wait for them.
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    if not reuse_port:
        server.run()
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    server.run(sockets=[sock])
