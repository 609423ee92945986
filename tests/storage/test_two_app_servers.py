"""Several app servers behind a proxy share only the database, the object storage and two keys: two real
`kaidan serve` processes with separate data directories, one PostgreSQL or SQLite database and one S3
bucket (moto's server). A session made on one is valid on the other; a document uploaded through one is
downloaded through the other; a revision written anywhere reaches a live stream open on the other (each
process's watcher polls the database, no other channel)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.core.test_serve import free_port

UPLOAD = """
import sys
from django.core.files.uploadedfile import SimpleUploadedFile
from kaidan.accounts.models import Organization, User
from kaidan.documents.services import upload_document
d = upload_document(actor=User.objects.get(username="fukushi.manager"), owner=Organization.objects.get(code="hokenfukushi"),
    title="議事録", file=SimpleUploadedFile("gijiroku.txt", "第2回 議事録".encode(), content_type="text/plain"),
    classification="internal")
sys.stdout.write(str(d.pk))
"""


def kaidan(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kaidan.cli", *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def shared(tmp_path: Path, s3_server) -> Iterator[dict[str, str]]:
    """What the app servers share: the database, the bucket, the secret and audit keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAIDAN_")}
    env.update(s3_server.env(s3_server.bucket()))
    env["KAIDAN_SECRET_KEY"] = "two-servers-" + uuid.uuid4().hex
    env["KAIDAN_AUDIT_KEY"] = uuid.uuid4().hex + uuid.uuid4().hex
    url = os.environ.get("KAIDAN_DATABASE_URL", "")
    database = ""
    if url.startswith("postgres"):
        import psycopg

        database = f"kaidan_two_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["KAIDAN_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database
    else:
        env["KAIDAN_DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    yield env
    if database:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "kaidan.cli", "serve", "--no-migrate", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("kaidan serve did not answer")


def login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    done = session.post(
        f"{base}/accounts/login/",
        data={"username": "fukushi.manager", "password": "kaidan-demo-2026", "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    assert done.url.endswith("/staff/") and "福祉 花子" in done.text
    return session


def test_two_app_servers_share_sessions_files_and_live_updates_through_the_database_and_bucket(
    tmp_path, shared
):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    kaidan({**shared, "KAIDAN_DATA_DIR": str(tmp_path / "a")}, "migrate", "-v0")
    kaidan({**shared, "KAIDAN_DATA_DIR": str(tmp_path / "a")}, "demo")
    port_a, port_b = free_port(), free_port()
    server_a = serve({**shared, "KAIDAN_DATA_DIR": str(tmp_path / "a")}, port_a)
    server_b = serve({**shared, "KAIDAN_DATA_DIR": str(tmp_path / "b")}, port_b)
    a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    try:
        session = login(a)
        assert "福祉 花子" in session.get(f"{b}/staff/").text  # the session row is in the database

        pk = kaidan({**shared, "KAIDAN_DATA_DIR": str(tmp_path / "a")}, "shell", "--no-imports", "-c", UPLOAD)
        download = session.get(f"{b}/documents/{pk}/download/")
        assert download.status_code == 200 and download.content.decode() == "第2回 議事録"
        assert not (tmp_path / "a" / "files").exists() and not (tmp_path / "b" / "files").exists()

        events: list[str] = []
        with session.get(f"{b}/datasets/aed/events", stream=True, timeout=30) as stream:

            def read() -> None:
                for line in stream.iter_lines(decode_unicode=True):
                    events.append(line)
                    if line.startswith("event: revision"):
                        return

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            time.sleep(1.5)  # the stream is open on B
            export = tmp_path / "aed.csv"
            kaidan({**shared, "KAIDAN_DATA_DIR": str(tmp_path / "a")}, "export", "aed", "-o", str(export))
            kaidan(
                {**shared, "KAIDAN_DATA_DIR": str(tmp_path / "a")},
                "import",
                str(export),
                "--dataset",
                "aed",
                "--mode",
                "append",
                "--yes",
            )
            reader.join(timeout=20)
        assert "event: revision" in events, events
    finally:
        for server in (server_a, server_b):
            server.terminate()
            server.wait(timeout=40)
