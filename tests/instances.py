"""Real Kaidan instances for tests that run `kaidan` as separate processes (backup, load).

An instance is an environment: its own data directory and, when the suite runs on PostgreSQL
(KAIDAN_DATABASE_URL set by tests/conftest.py), a scratch database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def instances(
    tmp_path: Path, *names: str, template: dict[str, str] | None = None
) -> Iterator[list[dict[str, str]]]:
    """Instances named `names`, empty or, with `template`, each a copy of that instance (its data
    directory copied; on PostgreSQL a database created from the template's): a copy costs a fraction of
    a second where `kaidan migrate` and `kaidan demo` cost about ten seconds of CPU."""
    base = {k: v for k, v in os.environ.items() if k != "KAIDAN_DATABASE_URL"}
    url = os.environ.get("KAIDAN_DATABASE_URL", "")
    made: list[str] = []
    envs = []
    for name in names:
        env = {**base, "KAIDAN_DATA_DIR": str(tmp_path / name)}
        if template is not None:
            shutil.copytree(template["KAIDAN_DATA_DIR"], env["KAIDAN_DATA_DIR"])
        if url.startswith("postgres"):
            import psycopg

            database = f"kaidan_{name}_{uuid.uuid4().hex[:8]}"
            source = f' TEMPLATE "{template["KAIDAN_DATABASE_URL"].rsplit("/", 1)[1]}"' if template else ""
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"{source}')
            made.append(database)
            env["KAIDAN_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database
        envs.append(env)
    try:
        yield envs
    finally:
        if made:
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                for database in made:
                    conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def kaidan(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`kaidan ARGS` in the instance, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "kaidan.cli", *args], env=env, capture_output=True, text=True, check=check
    )


def serve(env: dict[str, str], port: int, *args: str, **extra: str) -> subprocess.Popen[bytes]:
    """`kaidan serve` of the instance on `port` (extra options `args`, extra environment `extra`), once it
    answers; its stderr is kept for the caller's assertions."""
    import time
    import urllib.request

    server = subprocess.Popen(
        [sys.executable, "-m", "kaidan.cli", "serve", "--port", str(port), *args],
        env={**env, "KAIDAN_ALLOWED_HOSTS": "127.0.0.1", **extra},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2)  # noqa: S310
            return server
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "kaidan serve did not start"
            time.sleep(0.3)
