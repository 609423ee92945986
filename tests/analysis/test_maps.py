"""The analysis map: points and district choropleths read through the analysis engine, so a partner sees
only its rows and cannot name a column it may not see; boundary files are checked whole, and a refusal names
the feature and the property."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaidan.analysis import boundaries, maps
from kaidan.analysis.models import Boundary, SavedQuery
from kaidan.audit.models import AuditEntry
from tests.maps_world import boundary_geojson, build, square


@pytest.fixture
def world(tmp_path, make_org, make_user):
    return build(tmp_path, make_org, make_user)


@pytest.fixture
def boundary(world):
    return boundaries.upload_boundary(
        json.dumps(boundary_geojson(), ensure_ascii=False).encode(), title="地区境界", actor=world.editor
    )


def refusal(data: object, key: str = "") -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    with pytest.raises(boundaries.BoundaryRejected) as refused:
        boundaries.validate(raw, key)
    return refused.value.bilingual()


# points


def test_points_of_a_dataset_are_the_actors_rows_only(world):
    owner = maps.points(maps.source("dataset:visits", actor=world.editor), actor=world.editor)
    partner = maps.points(maps.source("dataset:visits", actor=world.partner_user), actor=world.partner_user)
    assert owner is not None and partner is not None
    assert (owner.total, len(owner.points)) == (5, 5)
    assert (partner.total, len(partner.points)) == (2, 2)
    assert {p[:2] for p in partner.points} == {(35.651, 139.68), (35.652, 139.675)}


def test_points_of_a_dataset_with_addresses_are_placed_from_the_wards_list(world):
    found = maps.points(maps.source("dataset:facilities", actor=world.editor), actor=world.editor)
    assert found is not None and found.reference == "町丁目の代表点"
    assert (len(found.points), found.unplaced) == (4, 2)
    assert found.points[0] == (35.6525, 139.6755, "池尻児童館")


def test_points_of_a_saved_query_use_its_coordinate_columns(world):
    query = SavedQuery.objects.create(
        title="太子堂の訪問",
        sql="SELECT 番号, 緯度, 経度 FROM 訪問記録 WHERE 地区 = '太子堂';",
        created_by=world.editor,
    )
    found = maps.points(maps.source(f"query:{query.pk}", actor=world.editor), actor=world.editor)
    assert found is not None and len(found.points) == 2


def test_a_source_the_actor_may_not_read_is_none(world, make_user):
    stranger = make_user("stranger")
    assert maps.source("dataset:visits", actor=stranger) is None
    query = SavedQuery.objects.create(title="q", sql="SELECT 1", created_by=world.editor)
    assert maps.source(f"query:{query.pk}", actor=world.partner_user) is None


# choropleth


def test_district_counts_and_sums_follow_the_actors_rows(world, boundary):
    owner = maps.source("dataset:visits", actor=world.editor)
    assert maps.aggregate(owner, "地区", "count", "", actor=world.editor) == {
        "池尻": 2,
        "太子堂": 2,
        "三軒茶屋": 1,
    }
    assert maps.aggregate(owner, "地区", "sum", "金額", actor=world.editor) == {
        "池尻": 1500,
        "太子堂": 2300,
        "三軒茶屋": 100,
    }
    partner = maps.source("dataset:visits", actor=world.partner_user)
    assert maps.aggregate(partner, "地区", "count", "", actor=world.partner_user) == {"池尻": 2}
    shown = maps.choropleth(partner, boundary, "地区", "count", "", actor=world.partner_user)
    assert [(d.name, d.value) for d in shown.districts] == [("池尻", 2), ("太子堂", None), ("三軒茶屋", None)]


def test_a_masked_column_is_not_selectable(world):
    partner = maps.source("dataset:visits", actor=world.partner_user)
    assert "氏名" not in [c.name for c in partner.columns]
    with pytest.raises(maps.MapRefused):
        maps.aggregate(partner, "氏名", "count", "", actor=world.partner_user)
    with pytest.raises(maps.MapRefused):
        maps.aggregate(partner, "地区", "sum", "氏名", actor=world.partner_user)


def test_the_choropleth_joins_districts_and_lists_those_not_on_the_map(world):
    only_two = boundary_geojson()
    only_two["features"] = only_two["features"][:2]
    small = boundaries.upload_boundary(json.dumps(only_two).encode(), title="2地区", actor=world.editor)
    shown = maps.choropleth(
        maps.source("dataset:visits", actor=world.editor), small, "地区", "count", "", actor=world.editor
    )
    assert [(d.name, d.value, d.on_map) for d in shown.districts] == [
        ("池尻", 2, True),
        ("太子堂", 2, True),
        ("三軒茶屋", 1, False),
    ]
    assert [f["properties"]["kaidan_value"] for f in shown.geojson["features"]] == [2, 2]


def test_the_map_page_draws_the_choropleth_with_a_table_of_the_same_numbers(client, world, boundary):
    client.force_login(world.partner_user)
    other = client.get(
        f"/analysis/map/?kind=choropleth&source=dataset:visits&boundary={boundary.pk}&district=地区"
    )
    assert other.status_code == 404  # the editor's boundary file is the editor's
    client.force_login(world.editor)
    page = client.get(
        f"/analysis/map/?kind=choropleth&source=dataset:visits&boundary={boundary.pk}&district=地区&measure=sum&value=金額"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "<td>太子堂</td><td>2300</td>" in text
    assert 'id="map-districts"' in text


def test_a_hostile_district_column_is_refused_without_showing_values(client, world, make_user):
    client.force_login(world.partner_user)
    boundary = boundaries.upload_boundary(
        json.dumps(boundary_geojson()).encode(), title="b", actor=world.partner_user
    )
    page = client.get(
        f"/analysis/map/?kind=choropleth&source=dataset:visits&boundary={boundary.pk}&district=氏名"
    )
    assert page.status_code == 400
    assert "秘山" not in page.content.decode() and "秘田" not in page.content.decode()


def test_the_points_page_lists_the_points(client, world):
    client.force_login(world.partner_user)
    page = client.get("/analysis/map/?kind=points&source=dataset:visits").content.decode()
    assert "<td>35.651</td><td>139.68</td>" in page
    assert "35.643" not in page  # 太子堂's rows are not the partner's


# boundary files


def test_a_boundary_is_kept_with_its_district_property_and_audited(world, boundary):
    assert (boundary.key, boundary.features) == ("地区", 3)  # the first property naming each feature once
    assert AuditEntry.objects.filter(action="analysis.boundary.upload").count() == 1


def test_the_upload_page_keeps_a_valid_file_and_shows_a_refusal(client, world):
    client.force_login(world.editor)
    good = SimpleUploadedFile("districts.geojson", json.dumps(boundary_geojson()).encode())
    answer = client.post(
        "/analysis/map/boundaries", {"file": good, "key": "コード", "source": "dataset:visits"}
    )
    kept = Boundary.objects.get()
    assert kept.key == "コード" and f"boundary={kept.pk}" in answer["Location"]
    bad = SimpleUploadedFile("bad.geojson", b"{not json")
    answer = client.post("/analysis/map/boundaries", {"file": bad}, follow=True)
    assert "not JSON" in answer.content.decode() or "JSON" in answer.content.decode()
    assert Boundary.objects.count() == 1


def test_refusals_name_the_feature_and_the_property():
    assert "not JSON" in refusal(b'{"type": ')
    assert "FeatureCollection, not Feature" in refusal({"type": "Feature"})
    assert "has no features" in refusal({"type": "FeatureCollection", "features": []})
    point = boundary_geojson()
    point["features"][1]["geometry"] = {"type": "Point", "coordinates": [139.0, 35.0]}
    assert "feature 2 (太子堂): the geometry must be a Polygon or MultiPolygon" in refusal(point)
    assert "(found Point)" in refusal(point)
    open_ring = boundary_geojson()
    open_ring["features"][0]["geometry"]["coordinates"] = [[[139.0, 35.0], [139.1, 35.0]]]
    assert "feature 1 (池尻)" in refusal(open_ring)
    missing = boundary_geojson()
    del missing["features"][2]["properties"]["地区"]
    assert "feature 3 has no value for the property “地区”" in refusal(missing, "地区")
    twice = boundary_geojson()
    twice["features"][2]["properties"]["地区"] = "池尻"
    assert "features 1 and 3 both have “池尻” as “地区”" in refusal(twice, "地区")
    assert "no property names every feature's district once" in refusal(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"a": 1},
                    "geometry": {"type": "Polygon", "coordinates": square(139, 35)},
                },
                {
                    "type": "Feature",
                    "properties": {"a": 1},
                    "geometry": {"type": "Polygon", "coordinates": square(139, 36)},
                },
            ],
        }
    )


def test_a_multipolygon_is_accepted_and_a_large_file_refused():
    multi = boundary_geojson()
    multi["features"][0]["geometry"] = {
        "type": "MultiPolygon",
        "coordinates": [square(139, 35), square(139.1, 35)],
    }
    parsed, key = boundaries.validate(json.dumps(multi).encode())
    assert key == "地区" and len(parsed["features"]) == 3
    assert "at most 5 MB" in refusal(b" " * (boundaries.MAX_BYTES + 1))


def test_the_demo_has_a_district_map_of_the_watch_list(db):
    import io

    from django.core.management import call_command

    from kaidan.accounts.models import User

    call_command("demo", stdout=io.StringIO())
    manager = User.objects.get(username="fukushi.manager")
    [boundary] = boundaries.list_boundaries(actor=manager)
    src = maps.source("dataset:mimamori", actor=manager)
    shown = maps.choropleth(src, boundary, "地区", "count", "", actor=manager)
    assert {d.name for d in shown.districts} == {"池尻", "太子堂", "三軒茶屋", "三宿"}
    assert all(d.on_map and d.value for d in shown.districts)
