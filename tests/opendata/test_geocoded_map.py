"""The portal maps a published dataset that has addresses but no coordinates, placing its rows only from the
ward's own address list, and says how many rows could not be placed."""

from __future__ import annotations

import pytest

from kaidan.access.actors import SYSTEM
from kaidan.opendata.services import publish
from tests.maps_world import build


@pytest.fixture
def world(tmp_path, make_org, make_user):
    world = build(tmp_path, make_org, make_user)
    publish(world.facilities, actor=SYSTEM, reason="施設の住所")
    return world


def test_the_dataset_page_maps_by_address_and_counts_the_unplaced_rows(client, world):
    page = client.get("/dataset/facilities/").content.decode()
    assert 'data-geojson="/dataset/facilities/geocoded.geojson"' in page
    assert "町丁目の代表点" in page
    assert (
        "2 rows could not be placed (1 without an address, 1 not in the list)"
        in client.get(
            "/dataset/facilities/", headers={"Accept-Language": "en"}, HTTP_COOKIE="django_language=en"
        ).content.decode()
    )


def test_the_geocoded_geojson_has_the_placed_points_and_the_unplaced_count(client, world):
    answer = client.get("/dataset/facilities/geocoded.geojson")
    assert answer["Content-Type"] == "application/geo+json"
    data = answer.json()
    assert data["placed"] == 4 and data["unplaced"] == 2
    names = [f["properties"]["名称"] for f in data["features"]]
    assert names == ["池尻児童館", "池尻まちづくりセンター", "太子堂区民集会所", "三茶図書館"]
    assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [139.6755, 35.6525]}


def test_an_unpublished_dataset_has_no_geocoded_map(client, world):
    assert client.get("/dataset/visits/geocoded.geojson").status_code == 404
    assert client.get("/dataset/town-coordinates/geocoded.geojson").status_code == 404
