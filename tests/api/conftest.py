"""A small world for the API: a department's dataset with columns at every level, a partner granted some
rows of it, and tokens for both organizations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kaidan.access.services import SYSTEM
from kaidan.accounts.models import Organization
from kaidan.api.services import create_token
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.sharing.services import grant_access

CSV = (
    "番号,名前,地区,庁内メモ,限定メモ,秘メモ\n"
    "1,山田,池尻,庁内1,限定1,秘1\n"
    "2,佐藤,太子堂,庁内2,限定2,秘2\n"
    "3,鈴木,池尻,庁内3,限定3,秘3\n"
)
LEVELS = {"庁内メモ": "internal", "限定メモ": "limited", "秘メモ": "restricted"}


def import_csv(tmp_path, name: str, owner: Organization, text: str, **levels: str) -> Dataset:
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    plan, _ = plan_import(path, dataset=name, organization=owner.code, title=name, classification="public")
    plan.key = "番号"
    for column in plan.columns:
        column.classification = levels.get(column.label, "public")
    run_import(plan, actor=SYSTEM)
    return Dataset.objects.get(name=name)


@pytest.fixture
def world(tmp_path, make_org, make_user) -> dict[str, Any]:
    owner = make_org("hokenfukushi", name="保健福祉課")
    partner = make_org("houkatsu", kind=Organization.Kind.PARTNER, name="池尻包括")
    other = make_org("bosai", name="防災課")
    manager = make_user("manager", owner, "manager")
    dataset = import_csv(tmp_path, "meibo", owner, CSV, **LEVELS)
    grant_access(
        dataset,
        actor=SYSTEM,
        organization=partner,
        permission="edit",
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    return {
        "owner": owner,
        "partner": partner,
        "other": other,
        "manager": manager,
        "dataset": dataset,
    }


@pytest.fixture
def token_for(world):
    """token_for(org, scopes=..., clearance=...) → the secret of a new token (created by the operator)."""

    def make(org: Organization, scopes=("object.view", "object.export"), clearance="restricted", days=30):
        _token, secret = create_token(
            org, actor=SYSTEM, name=f"{org.code} system", scopes=scopes, clearance=clearance, days=days
        )
        return secret

    return make


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


class Receiver:
    """A real HTTP server on 127.0.0.1 that records the webhooks POSTed to it."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — the http.server hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()
