"""Crash tests: a process killed (SIGKILL) at the worst moment loses nothing and leaves nothing half-written.

Each test runs real `kaidan` processes on an instance of its own and kills one at a named point
(kaidan/core/failpoints.py) rather than at a random moment: in a bulk upsert with every row written and
nothing committed, in a webhook delivery received but not yet recorded, in a restore with the database back
and its files and keys not yet. The import killed mid-file is tests/store/test_kill_during_import.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.instances import instances, kaidan
from tests.instances import serve as serve_instance

KILLED = -signal.SIGKILL


def shell(env: dict[str, str], code: str) -> str:
    """Python run inside the instance (`kaidan shell -c`), for what no command does (a subscription)."""
    return kaidan(env, "shell", "-c", code).stdout.strip()


def rows_and_revisions(env: dict[str, str], name: str) -> tuple[int, int]:
    out = shell(
        env,
        f"from kaidan.catalog.models import Dataset; d = Dataset.objects.get(name={name!r}); "
        "print(d.row_count, d.current_revision)",
    )
    rows, revision = out.splitlines()[-1].split()
    return int(rows), int(revision)


def serve(env: dict[str, str], port: int, **extra: str) -> subprocess.Popen[bytes]:
    return serve_instance(env, port, "--no-worker", **extra)  # no worker: a SIGKILL leaves no orphan


def upsert(port: int, token: str, rows: list[dict[str, object]]) -> tuple[int | None, object]:
    request = urllib.request.Request(  # noqa: S310
        f"http://127.0.0.1:{port}/api/v1/datasets/counts/upsert",
        data=json.dumps({"rows": rows, "message": "nightly"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (ConnectionError, urllib.error.URLError) as exc:  # the server died under the request
        return None, exc


@pytest.fixture
def instance(tmp_path, demo_template):
    with instances(tmp_path, "crash", template=demo_template) as (env,):
        yield env


def test_a_bulk_upsert_killed_before_its_commit_writes_nothing_and_can_be_sent_again(instance, tmp_path):
    env = instance
    first = tmp_path / "counts.csv"
    first.write_text("番号,地区,件数\n1,池尻,3\n2,太子堂,5\n", encoding="utf-8")
    kaidan(
        env, "import", str(first), "--dataset", "counts", "--org", "bosai", "--key", "番号", "--yes", "-v0"
    )
    created = kaidan(
        env,
        *("token", "create", "--org", "bosai", "--name", "nightly", "--clearance", "internal"),
        *("--scope", "object.view", "--scope", "object.edit"),
    )
    token = next(w for w in created.stdout.split() if w.startswith("kaidan_"))
    rows = [{"番号": n, "地区": "池尻", "件数": n % 7} for n in range(1, 10_001)]
    before = rows_and_revisions(env, "counts")

    port = free_port()
    server = serve(env, port, KAIDAN_FAILPOINT="import.before-commit")
    status, _answer = upsert(port, token, rows)
    assert status is None and server.wait(30) == KILLED  # killed with all 10,000 rows written, uncommitted
    assert rows_and_revisions(env, "counts") == before

    server = serve(env, port)
    try:
        status, answer = upsert(port, token, rows)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    assert status == 200, answer
    assert rows_and_revisions(env, "counts") == (10_000, before[1] + 1)


class Receiver(BaseHTTPRequestHandler):
    deliveries: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 — http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.deliveries.append((self.headers["X-Kaidan-Delivery"], body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_webhook_received_but_not_recorded_when_the_sender_dies_is_sent_again_not_lost(instance):
    env = instance
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    Receiver.deliveries = []
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    shell(
        env,
        "from kaidan.accounts.models import Organization, User; from kaidan.catalog.models import Dataset; "
        "from kaidan.api.webhooks import create_subscription; from kaidan.editing.services import edit_record; "
        "from kaidan.store.selectors import fetch_page; "
        "admin = User.objects.get(username='admin'); d = Dataset.objects.get(name='aed'); "
        f"create_subscription(d, actor=admin, organization=Organization.objects.get(code='bosai'), url={url!r}); "
        "field = [f for f in d.live_fields() if f.label == '備考'][0]; "
        "row_id, rev, _values = fetch_page(d, d.live_fields(), limit=1)[0]; "
        "edit_record(d, row_id, {field.name: '点検済み'}, rev, actor=admin)",
    )
    try:
        killed = kaidan(
            {**env, "KAIDAN_FAILPOINT": "webhooks.after-send", "KAIDAN_WEBHOOK_LEASE": "1"},
            *("webhooks", "deliver"),
            check=False,
        )
        assert killed.returncode == KILLED
        assert len(Receiver.deliveries) == 1  # it arrived; the sender died before writing that down
        time.sleep(1.5)  # the dead sender's lease runs out
        kaidan(env, "webhooks", "deliver")
        assert len(Receiver.deliveries) == 2
        (first_id, first_body), (again_id, again_body) = Receiver.deliveries
        assert first_id == again_id and json.loads(first_body) == json.loads(again_body)  # one event, twice
        kaidan(env, "webhooks", "deliver")
        assert len(Receiver.deliveries) == 2  # recorded as delivered now: not sent a third time
    finally:
        receiver.shutdown()


def test_a_restore_killed_after_the_database_is_finished_by_running_it_again(
    tmp_path, demo_template, migrated_template
):
    with (
        instances(tmp_path, "source", template=demo_template) as (source,),
        instances(tmp_path, "target", template=migrated_template) as (target,),
    ):
        archive = tmp_path / "backup.tar.gz"
        kaidan(source, "backup", "-o", str(archive))

        killed = kaidan(
            {**target, "KAIDAN_FAILPOINT": "restore.after-database"}, "restore", str(archive), check=False
        )
        assert killed.returncode == KILLED
        refused = kaidan(target, "serve", "--port", str(free_port()), check=False)
        assert refused.returncode == 2 and "restore" in refused.stderr  # no site on half an instance

        kaidan(target, "restore", str(archive))
        verified = kaidan(target, "audit", "verify", check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        for name in ("aed", "mimamori"):
            kaidan(source, "export", name, "--format", "csv", "-o", str(tmp_path / f"{name}-before.csv"))
            kaidan(target, "export", name, "--format", "csv", "-o", str(tmp_path / f"{name}-after.csv"))
            assert (
                Path(tmp_path / f"{name}-after.csv").read_bytes()
                == Path(tmp_path / f"{name}-before.csv").read_bytes()
            )
