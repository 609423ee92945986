"""`kaidan serve`: migrate, then run the site on uvicorn (a production-grade ASGI server)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import uvicorn
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Migrate the database, then serve Kaidan with uvicorn (ASGI)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Worker processes (production: 2×cores).")
        parser.add_argument("--no-migrate", action="store_true", help="Skip migrating first.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a background worker (run `kaidan db_worker`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        host, port = options["host"], options["port"]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        self.stdout.write(f"Kaidan: http://{shown}:{port}/  (Ctrl+C で停止 / to stop)")
        worker = None
        if not options["no_worker"]:
            # Background jobs (imports) run in a separate process from django-tasks' database queue.
            worker = subprocess.Popen([sys.executable, "-m", "kaidan.cli", "db_worker"])  # noqa: S603
        from kaidan.sharing.jobs import start_release_loop

        stop_releases = start_release_loop()  # releases undecided (未決定) objects at their planned date
        try:
            self._serve(host, port, options["workers"])
        finally:
            stop_releases.set()
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)

    def _serve(self, host: str, port: int, workers: int) -> None:
        uvicorn.run(
            "kaidan.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=True,
            lifespan="off",
            # Live-update streams (kaidan.live) stay open; without a limit a restart would wait for them.
            timeout_graceful_shutdown=5,
        )
