"""The REST endpoints, as a business system uses them: JSON in and out, one error shape, and never a row
or column outside the token's scope — for reads and writes alike."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kaidan.catalog.models import Dataset
from kaidan.store import selectors as store

from .conftest import bearer

pytestmark = pytest.mark.django_db


def rows_of(dataset: Dataset) -> dict[int, list]:
    dataset.refresh_from_db()
    return {
        values[0]: values for _id, _rev, values in store.iter_rows_with_rev(dataset, dataset.live_fields())
    }


def test_without_a_token_the_answer_is_401_in_the_error_shape(world):
    from django.test import Client

    response = Client().get("/api/v1/datasets")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()["error"]
    assert (
        body["code"] == "unauthorized"
        and body["message_ja"]
        and body["message_en"]
        and body["problems"] == []
    )
    assert bearer("kaidan_nothing_here").get("/api/v1/datasets").status_code == 401


def test_datasets_and_schema_show_only_visible_columns(world, token_for):
    client = bearer(token_for(world["partner"]))
    listed = client.get("/api/v1/datasets").json()
    assert [d["name"] for d in listed] == ["meibo"]
    assert listed[0]["rows"] is None  # a reader confined to some rows is not told the whole count
    detail = client.get("/api/v1/datasets/meibo").json()
    assert [f["name"] for f in detail["fields"]] == ["番号", "名前", "地区", "庁内メモ", "限定メモ"]
    assert detail["fields"][0]["key"] is True
    missing = client.get("/api/v1/datasets/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_records_are_filtered_sorted_and_paged_through_the_visible_relation(world, token_for):
    owner = bearer(token_for(world["owner"], clearance="limited"))
    page = owner.get("/api/v1/datasets/meibo/records?sort=番号&desc=true&size=2").json()
    assert page["total"] == 3 and page["size"] == 2
    assert [r["values"]["番号"] for r in page["records"]] == [3, 2]
    assert "秘メモ" not in page["records"][0]["values"]
    filtered = owner.get("/api/v1/datasets/meibo/records?地区__exact=太子堂").json()
    assert [r["values"]["名前"] for r in filtered["records"]] == ["佐藤"]
    partner = bearer(token_for(world["partner"]))
    seen = partner.get("/api/v1/datasets/meibo/records").json()
    assert {r["values"]["地区"] for r in seen["records"]} == {"池尻"} and seen["total"] == 2
    # asking for a hidden column or a row outside the scope finds nothing
    hidden = partner.get("/api/v1/datasets/meibo/records?秘メモ__contains=秘&地区__exact=太子堂").json()
    assert hidden["records"] == []
    outside = [
        r
        for r in owner.get("/api/v1/datasets/meibo/records").json()["records"]
        if r["values"]["地区"] == "太子堂"
    ]
    row_id = outside[0]["row_id"]
    assert partner.get(f"/api/v1/datasets/meibo/records/{row_id}").status_code == 404


def test_records_are_created_changed_and_deleted_through_the_editing_services(world, token_for):
    client = bearer(token_for(world["owner"], scopes=["object.view", "object.edit"]))
    created = client.post(
        "/api/v1/datasets/meibo/records",
        {"values": {"番号": 4, "名前": "高橋", "地区": "池尻"}, "message": "API"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    row_id = created.json()["row_id"]
    record = client.get(f"/api/v1/datasets/meibo/records/{row_id}").json()
    assert record["values"]["名前"] == "高橋"
    changed = client.patch(
        f"/api/v1/datasets/meibo/records/{row_id}",
        {"values": {"名前": "高橋二"}, "rev": record["rev"]},
        content_type="application/json",
    )
    assert changed.status_code == 200
    stale = client.patch(
        f"/api/v1/datasets/meibo/records/{row_id}",
        {"values": {"名前": "古い"}, "rev": record["rev"]},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    bad = client.post(
        "/api/v1/datasets/meibo/records", {"values": {"番号": "四"}}, content_type="application/json"
    )
    assert bad.status_code == 422
    problem = bad.json()["error"]["problems"][0]
    assert problem["column"] == "番号" and problem["message_ja"] != problem["message_en"]
    rev = client.get(f"/api/v1/datasets/meibo/records/{row_id}").json()["rev"]
    deleted = client.delete(f"/api/v1/datasets/meibo/records/{row_id}?rev={rev}")
    assert deleted.status_code == 200
    assert 4 not in rows_of(world["dataset"])


def test_a_token_cannot_write_outside_its_scopes_or_rows(world, token_for):
    dataset = world["dataset"]
    before = rows_of(dataset)
    reader = bearer(token_for(world["owner"], scopes=["object.view"]))
    refused = reader.post(
        "/api/v1/datasets/meibo/records", {"values": {"番号": 9}}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    partner = bearer(token_for(world["partner"], scopes=["object.view", "object.edit"]))
    outside = partner.post(
        "/api/v1/datasets/meibo/records",
        {"values": {"番号": 9, "地区": "太子堂"}},
        content_type="application/json",
    )
    assert outside.status_code == 422
    hidden_column = partner.post(
        "/api/v1/datasets/meibo/upsert",
        {"rows": [{"番号": 1, "秘メモ": "上書き"}]},
        content_type="application/json",
    )
    assert hidden_column.status_code == 400
    assert "秘メモ" in hidden_column.json()["error"]["message"]  # its own words echoed, nothing of the data
    out_of_scope = partner.post(
        "/api/v1/datasets/meibo/upsert",
        {"rows": [{"番号": 1, "名前": "変更"}, {"番号": 2, "名前": "太子堂の人"}]},
        content_type="application/json",
    )
    assert out_of_scope.status_code == 422
    assert [p["row"] for p in out_of_scope.json()["error"]["problems"]] == [1]
    assert rows_of(dataset) == before


def test_bulk_upsert_is_atomic_and_names_each_bad_value(world, token_for):
    client = bearer(token_for(world["owner"], scopes=["object.view", "object.edit"]))
    rows = [{"番号": n, "名前": f"人{n}", "地区": "池尻"} for n in range(1, 51)]
    rows[10]["番号"] = "十一"
    rows[20]["番号"] = 5  # a duplicate key
    response = client.post("/api/v1/datasets/meibo/upsert", {"rows": rows}, content_type="application/json")
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(10, "番号"), (20, "番号")]
    assert problems[0]["value"] == "十一" and problems[0]["message_ja"] and problems[0]["message_en"]
    assert len(rows_of(world["dataset"])) == 3  # nothing written
    rows[10]["番号"], rows[20]["番号"] = 11, 21
    done = client.post("/api/v1/datasets/meibo/upsert", {"rows": rows}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json() | {"revision": 0} == {"revision": 0, "added": 47, "changed": 3, "removed": 0}
    assert rows_of(world["dataset"])[2][1] == "人2"
    too_many = client.post(
        "/api/v1/datasets/meibo/upsert", {"rows": [{"番号": 1}] * 10_001}, content_type="application/json"
    )
    assert too_many.status_code == 400


def test_revisions_diff_and_export(world, token_for):
    editor = bearer(
        token_for(world["owner"], scopes=["object.view", "object.edit", "object.export"], clearance="limited")
    )
    editor.post(
        "/api/v1/datasets/meibo/upsert",
        {"rows": [{"番号": 1, "名前": "山田一郎"}, {"番号": 7, "名前": "新人"}], "message": "nightly"},
        content_type="application/json",
    )
    revisions = editor.get("/api/v1/datasets/meibo/revisions").json()
    assert revisions[0]["number"] == 2 and revisions[0]["message"] == "nightly"
    diff = editor.get("/api/v1/datasets/meibo/diff?from=1&to=2")
    assert diff.streaming
    body = json.loads(b"".join(diff.streaming_content))
    kinds = sorted((c["change"], c["key"]) for c in body["changes"])
    assert kinds == [("added", 7), ("changed", 1)]
    changed = next(c for c in body["changes"] if c["change"] == "changed")
    assert changed["values"] == {"名前": "山田一郎"} and changed["old"] == {"名前": "山田"}
    export = editor.get("/api/v1/datasets/meibo/export?format=csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert "限定メモ" in header and "秘メモ" not in header
    assert editor.get("/api/v1/datasets/meibo/export?format=doc").status_code == 400
    no_export = bearer(token_for(world["owner"], scopes=["object.view"]))
    assert no_export.get("/api/v1/datasets/meibo/export").status_code == 403
    partner = bearer(token_for(world["partner"]))
    scoped = partner.get("/api/v1/datasets/meibo/revisions").json()
    assert scoped[0].get("message") is None  # a row-scoped reader is not told the whole dataset's story
    body = json.loads(b"".join(partner.get("/api/v1/datasets/meibo/diff?from=0&to=2").streaming_content))
    assert {c["values"]["地区"] for c in body["changes"]} == {"池尻"}


def test_staff_may_use_their_session_in_the_browser(world, client):
    client.force_login(world["manager"])
    assert client.get("/api/v1/datasets/meibo").json()["fields"][-1]["name"] == "秘メモ"
    # a write from the session needs the CSRF token like any form
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["manager"])
    refused = strict.post("/api/v1/datasets/meibo/records", {"values": {}}, content_type="application/json")
    assert refused.status_code in (401, 403)
