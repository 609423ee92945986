"""The Action API answers as CKAN 2.10 does: the envelope, the errors, the read actions, the DataStore.

Machine names come from the AED list's headers (名称, 住所, 緯度 …); only published datasets exist here.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def call(client, action: str, method: str = "get", **params):
    if method == "post":
        response = client.post(f"/api/action/{action}", json.dumps(params), content_type="application/json")
    else:
        response = client.get(f"/api/3/action/{action}", params)
    return response.status_code, response.json(), response


def test_the_envelope_help_and_cors(client, ward):
    status, body, response = call(client, "status_show")
    assert status == 200 and body["success"] is True
    assert body["help"].endswith("/api/3/action/help_show?name=status_show")
    assert body["result"]["ckan_version"].startswith("2.10") and "datastore" in body["result"]["extensions"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert call(client, "site_read")[1]["result"] is True


def test_an_unknown_action_answers_400_as_ckan_does(client, ward):
    status, body, _response = call(client, "package_explode")
    assert status == 400 and body == "Bad request - Action name not known: package_explode"


def test_only_published_datasets_exist(client, ward):
    assert call(client, "package_list")[1]["result"] == ["aed"]
    for hidden in ("mimamori", "budget-draft", "nothing-here"):
        status, body, _r = call(client, "package_show", id=hidden)
        assert status == 404 and body["success"] is False
        assert body["error"]["__type"] == "Not Found Error" and body["error"]["message"] == "Not found"


def test_package_show_by_name_or_id_post_or_get(client, ward):
    by_name = call(client, "package_show", id="aed")[1]["result"]
    by_id = call(client, "package_show", "post", id=by_name["id"])[1]["result"]
    assert by_name == by_id
    assert by_name["name"] == "aed" and by_name["type"] == "dataset" and by_name["state"] == "active"
    assert (
        by_name["organization"]["name"] == "bosai" and by_name["owner_org"] == by_name["organization"]["id"]
    )
    assert [r["format"] for r in by_name["resources"]] == ["CSV", "JSON", "XLSX", "Parquet"]
    csv = by_name["resources"][0]
    assert csv["datastore_active"] is True and csv["package_id"] == by_name["id"]
    assert csv["url"].endswith("/dataset/aed/download?format=csv")  # the portal's streamed download
    assert call(client, "resource_show", id=csv["id"])[1]["result"] == csv


def test_a_missing_parameter_is_a_validation_error(client, ward):
    status, body, _r = call(client, "package_show")
    assert status == 409 and body["error"] == {"__type": "Validation Error", "id": ["Missing value"]}


def test_package_search_understands_the_solr_forms_harvesters_send(client, ward):
    def count(**params):
        return call(client, "package_search", **params)[1]["result"]["count"]

    assert count() == 1
    assert count(q="AED") == 1 and count(q="存在しない語") == 0
    assert count(fq="organization:bosai") == 1 and count(fq="-organization:bosai") == 0
    assert count(fq="res_format:CSV") == 1 and count(fq="res_format:PDF") == 0
    assert count(fq="metadata_modified:[2000-01-01T00:00:00Z TO *]") == 1
    assert count(fq="metadata_modified:[2999-01-01T00:00:00Z TO *]") == 0
    assert count(fq="organization:bosai OR organization:zaisei") == 1
    status, body, _r = call(client, "package_search", sort="nonsense asc")
    assert status == 400 and body["error"]["__type"] == "Search Query Error"


def test_package_search_answers_from_the_catalogue_as_it_is_now_whoever_changed_it(client, ward):
    """The package dicts are kept between requests (kaidan.opendata.catalog.published_packages); any change
    to a dataset, its organization or its tags — by a save, an update() or another process — shows at once."""
    from kaidan.accounts.models import Organization
    from kaidan.catalog.models import Dataset, Tag

    def first():
        return call(client, "package_search", q="AED")[1]["result"]["results"]

    assert first()[0]["title"] == ward.title
    Dataset.objects.filter(pk=ward.pk).update(title="AED設置箇所（改訂）")  # no signal, no save()
    assert first()[0]["title"] == "AED設置箇所（改訂）"
    Organization.objects.filter(pk=ward.owner_id).update(name="危機管理課")
    assert first()[0]["organization"]["title"] == "危機管理課"
    ward.tags.add(Tag.objects.create(name="防災"))
    assert [t["name"] for t in first()[0]["tags"]] == ["防災"]
    Dataset.objects.filter(pk=ward.pk).update(published=False)
    assert first() == []


def test_a_repeated_package_search_is_answered_from_the_kept_answer_until_the_catalogue_changes(
    client, ward, monkeypatch
):
    """The JSON of a GET package_search is kept with the catalogue's package list it was made from
    (kaidan.opendata.views._kept_answer) and served again, byte for byte, while that list is current."""
    from kaidan.catalog.models import Dataset
    from kaidan.opendata import actions

    searched: list[dict] = []
    real = actions.search_packages
    monkeypatch.setattr(
        actions, "search_packages", lambda p, params: searched.append(params) or real(p, params)
    )
    first = client.get("/api/3/action/package_search", {"q": "AED", "rows": 5})
    again = client.get("/api/3/action/package_search", {"q": "AED", "rows": 5})
    assert len(searched) == 1 and again.content == first.content and again["ETag"] == first["ETag"]
    assert client.get("/api/3/action/package_search", {"q": "AED", "rows": 6}).status_code == 200
    assert len(searched) == 2  # another question: answered afresh
    Dataset.objects.filter(pk=ward.pk).update(title="AED設置箇所（改訂）")
    changed = client.get("/api/3/action/package_search", {"q": "AED", "rows": 5})
    assert len(searched) == 3 and "AED設置箇所（改訂）" in changed.json()["result"]["results"][0]["title"]
    assert (
        client.get(
            "/api/3/action/package_search", {"q": "AED", "rows": 5}, HTTP_IF_NONE_MATCH=changed["ETag"]
        ).status_code
        == 304
    )


@pytest.mark.django_db(transaction=True)
def test_package_search_checks_a_quick_stamp_first_and_still_sees_every_commit(client, committed_ward):
    """Outside a transaction a repeated package_search reads no catalogue rows (SQLite: the connection's
    data_version and own change count; PostgreSQL: one hash over the catalogue tables' row versions), yet a
    commit by this connection or by another one shows at once."""
    import threading

    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from kaidan.accounts.models import Organization
    from kaidan.catalog.models import Dataset, Tag

    ward = committed_ward

    def first():
        return call(client, "package_search", q="AED")[1]["result"]["results"]

    assert first()[0]["title"] == ward.title
    with CaptureQueriesContext(connection) as queries:
        assert first()[0]["title"] == ward.title
    catalogue = [q["sql"] for q in queries.captured_queries if "catalog_dataset" in q["sql"]]
    assert len(catalogue) <= 1  # the stamp itself on PostgreSQL, nothing on SQLite
    Dataset.objects.filter(pk=ward.pk).update(title="AED設置箇所（改訂）")  # this connection, no signal
    assert first()[0]["title"] == "AED設置箇所（改訂）"

    def elsewhere() -> None:  # another connection (its own thread), committed
        Organization.objects.filter(pk=ward.owner_id).update(name="危機管理課")
        connections.close_all()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert first()[0]["organization"]["title"] == "危機管理課"
    ward.tags.add(Tag.objects.create(name="防災"))
    assert [t["name"] for t in first()[0]["tags"]] == ["防災"]
    Dataset.objects.filter(pk=ward.pk).update(published=False)
    assert first() == []


def test_package_search_pages_until_an_empty_page_and_counts_facets(client, ward):
    first = call(
        client, "package_search", rows=1, start=0, **{"facet.field": '["organization","res_format"]'}
    )
    result = first[1]["result"]
    assert [p["name"] for p in result["results"]] == ["aed"]
    assert result["search_facets"]["organization"]["items"] == [
        {"name": "bosai", "display_name": result["results"][0]["organization"]["title"], "count": 1}
    ]
    assert result["facets"]["res_format"]["CSV"] == 1
    assert call(client, "package_search", rows=1, start=1)[1]["result"]["results"] == []


def test_organizations_and_tags(client, ward):
    assert call(client, "organization_list")[1]["result"] == ["bosai"]
    full = call(client, "organization_list", all_fields="true")[1]["result"][0]
    assert full["package_count"] == 1 and full["is_organization"] is True
    shown = call(client, "organization_show", id="bosai", include_datasets="true")[1]["result"]
    assert [p["name"] for p in shown["packages"]] == ["aed"]
    assert call(client, "organization_show", id="hokenfukushi")[0] == 404  # owns nothing published
    assert call(client, "group_list")[1]["result"] == []
    assert call(client, "tag_list")[1]["success"] is True


def _resource(client) -> str:
    return call(client, "package_show", id="aed")[1]["result"]["resources"][0]["id"]


def test_datastore_search_pages_filters_and_sorts_in_sql(client, ward):
    rid = _resource(client)
    result = call(client, "datastore_search", resource_id=rid, limit=5)[1]["result"]
    assert result["fields"][0] == {"id": "_id", "type": "int"}
    assert (
        len(result["records"]) == 5
        and result["total"] == ward.row_count
        and not result["total_was_estimated"]
    )
    assert "offset=5" in result["_links"]["next"]
    names = [f["id"] for f in result["fields"]]
    assert "名称" in names and "緯度" in names
    first = result["records"][0]
    same = call(client, "datastore_search", resource_id=rid, filters=json.dumps({"名称": first["名称"]}))
    assert all(r["名称"] == first["名称"] for r in same[1]["result"]["records"])
    found = call(client, "datastore_search", "post", resource_id=rid, q="市役所", fields=["名称"])[1][
        "result"
    ]
    assert found["records"] and all(set(r) == {"_id", "名称"} for r in found["records"])
    assert all("市役所" in r["名称"] for r in found["records"]) or found["total"] >= 1
    ordered = call(client, "datastore_search", resource_id=rid, sort="緯度 desc", limit=3)[1]["result"][
        "records"
    ]
    assert [r["緯度"] for r in ordered] == sorted((r["緯度"] for r in ordered), reverse=True)
    deep = call(client, "datastore_search", resource_id=rid, offset=ward.row_count)[1]["result"]
    assert deep["records"] == []


def test_datastore_search_refuses_unknown_columns_and_resources(client, ward):
    rid = _resource(client)
    status, body, _r = call(client, "datastore_search", resource_id=rid, filters=json.dumps({"secret": 1}))
    assert status == 409 and body["error"]["__type"] == "Validation Error" and "filters" in body["error"]
    assert call(client, "datastore_search", resource_id="00000000-0000-0000-0000-000000000000")[0] == 404


def test_a_column_reclassified_after_publishing_leaves_the_api_at_once(client, ward):
    from kaidan.accounts.models import User
    from kaidan.editing.services import set_field_classification

    set_field_classification(ward, "電話番号", "limited", actor=User.objects.get(username="admin"))
    result = call(client, "datastore_search", resource_id=_resource(client), limit=3)[1]["result"]
    assert "電話番号" not in [f["id"] for f in result["fields"]]
    assert all("電話番号" not in r for r in result["records"])


@pytest.mark.django_db(transaction=True)
def test_a_repeated_datastore_search_reads_only_a_stamp_and_its_rows_yet_sees_every_commit(
    client, committed_ward
):
    """The anonymous visitor's relation of a resource is kept per thread under the dataset's stamp
    (kaidan.opendata.datastore.public_relation): a repeated request reads no dataset or field rows (SQLite:
    the connection's data_version and own change count; PostgreSQL: one hash over the dataset's, its owner's
    and its fields' row versions), yet a column raised to 秘, a renamed owner or an unpublished dataset —
    committed by this connection or another — shows in the very next answer."""
    import threading

    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from kaidan.accounts.models import Organization
    from kaidan.catalog.models import Dataset, Field

    ward = committed_ward
    rid = _resource(client)

    def search() -> tuple[int, dict]:
        status, body, _r = call(client, "datastore_search", resource_id=rid, limit=2)
        return status, body

    assert "電話番号" in [f["id"] for f in search()[1]["result"]["fields"]]
    with CaptureQueriesContext(connection) as queries:
        again = search()[1]["result"]
    assert "電話番号" in [f["id"] for f in again["fields"]] and len(again["records"]) == 2
    catalogue = [q["sql"] for q in queries.captured_queries if "catalog_" in q["sql"]]
    assert len(catalogue) <= 1  # the stamp itself on PostgreSQL, nothing on SQLite

    Field.objects.filter(dataset=ward, name="電話番号").update(classification="restricted")  # no signal
    shown = search()[1]["result"]
    assert "電話番号" not in [f["id"] for f in shown["fields"]]
    assert all("電話番号" not in r for r in shown["records"])

    def elsewhere() -> None:  # another connection (its own thread), committed
        Field.objects.filter(dataset=ward, name="住所").update(classification="limited")
        connections.close_all()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert "住所" not in [f["id"] for f in search()[1]["result"]["fields"]]

    def unpublish_elsewhere() -> None:
        Dataset.objects.filter(pk=ward.pk).update(published=False)
        Organization.objects.filter(pk=ward.owner_id).update(name="危機管理課")
        connections.close_all()

    thread = threading.Thread(target=unpublish_elsewhere)
    thread.start()
    thread.join()
    status, body = search()
    assert status == 404 and body["error"]["__type"] == "Not Found Error"


def test_q_uses_the_japanese_search_engine(client, ward):
    rid = _resource(client)
    kana = call(client, "datastore_search", resource_id=rid, q="しやくしょ", fields="名称_カナ")[1]["result"]
    assert kana["total"] >= 1 and all("シヤクショ" in r["名称_カナ"] for r in kana["records"])
    narrow = call(client, "datastore_search", resource_id=rid, q="市役所 本館")[1]["result"]
    assert narrow["total"] >= 1 and all("市役所" in r["名称"] + r.get("住所", "") for r in narrow["records"])
    assert call(client, "package_search", q="ａｅｄ")[1]["result"]["count"] == 1  # full width, any case


def test_q_total_is_the_number_of_matching_rows_alone_or_with_filters(client, ward):
    """The total of a `q` search is the matching rows' number (taken from the search itself when `q` is the
    only condition, counted with the filters otherwise), on every page of it."""
    rid = _resource(client)
    everything = call(client, "datastore_search", resource_id=rid, q="センター", limit=1000)[1]["result"]
    matching = everything["records"]
    assert len(matching) >= 3 and everything["total"] == len(matching)
    first = call(client, "datastore_search", resource_id=rid, q="センター", limit=1)[1]["result"]
    assert len(first["records"]) == 1 and first["total"] == len(matching)
    later = call(client, "datastore_search", resource_id=rid, q="センター", limit=2, offset=2)[1]["result"]
    assert later["total"] == len(matching)
    assert [r["_id"] for r in later["records"]] == [r["_id"] for r in matching[2:4]]
    name = matching[0]["名称"]
    both = call(client, "datastore_search", resource_id=rid, q="センター", filters=json.dumps({"名称": name}))
    assert both[1]["result"]["total"] == sum(r["名称"] == name for r in matching)
