"""Issue 16's acceptance, over real HTTP: a business system authenticates with its token, bulk-upserts
10,000 rows in one call, receives the signed webhook on its own HTTP server, reads the diff, and cannot read
anything outside its token's scope."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from kaidan.api import webhooks
from kaidan.catalog.models import Dataset

ROWS = 10_000


class BusinessSystem:
    """What the ward's business system does, with nothing but HTTP and its token."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 — the live server, http only
            self.base + urllib.parse.quote(path, safe="/?=&"),
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw


@pytest.fixture
def site(live_server, transactional_db, world, token_for, receiver, immediate_tasks):
    sub, secret = webhooks.create_subscription(
        world["dataset"],
        actor=world["manager"],
        organization=world["partner"],
        url=receiver.url,
        clearance="limited",
    )
    token = token_for(world["partner"], scopes=["object.view", "object.edit"], clearance="limited")
    return {"system": BusinessSystem(live_server.url, token), "secret": secret, **world}


def test_a_business_system_upserts_10000_rows_gets_the_webhook_reads_the_diff_and_nothing_more(
    site, receiver
):
    system: BusinessSystem = site["system"]
    status, schema = system.call("GET", "/api/v1/datasets/meibo")
    assert status == 200
    assert [f["name"] for f in schema["fields"]] == ["番号", "名前", "地区", "庁内メモ", "限定メモ"]

    rows = [
        {"番号": n, "名前": f"利用者{n}", "地区": "池尻", "限定メモ": f"見守り{n}"}
        for n in range(1, ROWS + 1)
    ]
    rows[1]["地区"] = "太子堂"  # row 番号=2 is outside the partner's rows: the whole call is refused
    status, refused = system.call(
        "POST", "/api/v1/datasets/meibo/upsert", {"rows": rows, "message": "夜間連携"}
    )
    assert status == 422
    assert [p["row"] for p in refused["error"]["problems"]] == [1]
    assert Dataset.objects.get(name="meibo").current_revision == 1  # all or nothing
    del rows[1]

    started = time.perf_counter()
    status, done = system.call("POST", "/api/v1/datasets/meibo/upsert", {"rows": rows, "message": "夜間連携"})
    seconds = time.perf_counter() - started
    assert status == 200, done
    assert done == {"revision": 2, "added": ROWS - 3, "changed": 2, "removed": 0}
    print(f"bulk upsert of {len(rows)} rows over HTTP: {seconds:.2f} s")  # noqa: T201 — the measured figure

    deadline = time.time() + 30
    while not receiver.requests and time.time() < deadline:
        time.sleep(0.05)
    headers, body = receiver.requests[0]
    mac = hmac.new(
        site["secret"].encode(), headers["X-Kaidan-Timestamp"].encode() + b"." + body, hashlib.sha256
    )
    assert headers["X-Kaidan-Signature"] == f"sha256={mac.hexdigest()}"
    event = json.loads(body)
    assert (
        event["revision"] == 2 and event["truncated"] is True and len(event["changes"]) == webhooks.MAX_ROWS
    )
    assert all(set(c["values"]) <= {"番号", "名前", "地区", "庁内メモ", "限定メモ"} for c in event["changes"])

    status, diff = system.call("GET", event["diff"])
    assert status == 200
    assert len(diff["changes"]) == ROWS - 1
    assert {c["change"] for c in diff["changes"]} == {"added", "changed"}
    assert all(c["values"].get("地区", "池尻") == "池尻" for c in diff["changes"])

    # nothing outside the token's scope: no 秘 column, no row of 太子堂, no other operation, no other dataset
    text = json.dumps(diff, ensure_ascii=False)
    assert "秘" not in text and "佐藤" not in text
    status, page = system.call("GET", "/api/v1/datasets/meibo/records?地区__exact=太子堂")
    assert status == 200 and page["records"] == []
    status, page = system.call("GET", "/api/v1/datasets/meibo/records?size=500&sort=番号")
    assert page["total"] == ROWS - 1 and all("秘メモ" not in r["values"] for r in page["records"])
    status, _ = system.call("GET", "/api/v1/datasets/meibo/export?format=csv")
    assert status == 403  # the token has no export scope
    status, _ = system.call("GET", "/api/v1/datasets/meibo/diff?from=0&to=1")
    assert status == 200 and "佐藤" not in json.dumps(_, ensure_ascii=False)
