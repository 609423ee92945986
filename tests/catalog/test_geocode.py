"""Rows with an address but no coordinates are placed only from the ward's own address list, by the most
specific 町丁目 form it holds, through the one gate; the rows that cannot be placed are counted."""

from __future__ import annotations

import pytest

from kaidan.catalog.geocode import can_geocode, geocode
from tests.maps_world import build


@pytest.fixture
def world(tmp_path, make_org, make_user):
    return build(tmp_path, make_org, make_user)


def test_addresses_are_placed_from_the_wards_own_list_by_the_most_specific_form(world):
    placed = geocode(world.facilities, actor=None)
    assert placed is not None and placed.reference == world.towns
    points = {row["名称"]: (row["__lat"], row["__lon"]) for row in placed.points.to_pylist()}
    assert points == {
        "池尻児童館": (35.6525, 139.6755),  # 池尻3-4-5 → 池尻三丁目4番, not only 池尻三丁目
        "池尻まちづくりセンター": (35.651, 139.68),  # 〒, 二丁目10番1号
        "太子堂区民集会所": (35.643, 139.67),  # the ward's name written without the prefecture
        "三茶図書館": (35.642, 139.669),
    }
    assert placed.points.column_names[:3] == ["名称", "住所", "種別"]


def test_the_rows_that_cannot_be_placed_are_counted(world):
    placed = geocode(world.facilities, actor=None)
    assert placed is not None
    assert (placed.total, placed.no_address, placed.not_found, placed.unplaced) == (6, 1, 1, 2)


def test_datasets_with_coordinates_or_without_addresses_are_not_geocoded(world):
    assert not can_geocode(world.visits, actor=world.editor)  # it has 緯度/経度 already
    assert not can_geocode(world.towns, actor=None)  # the reference itself
    assert geocode(world.visits, actor=world.editor) is None


def test_no_reference_or_an_unreadable_one_places_nothing(world, settings):
    from kaidan.access.levels import Level

    settings.GEOCODE_DATASET = ""
    assert geocode(world.facilities, actor=None) is None
    settings.GEOCODE_DATASET = "town-coordinates"
    world.towns.classification = Level.INTERNAL
    world.towns.save()
    assert geocode(world.facilities, actor=None) is None  # residents may not read the reference
    assert geocode(world.facilities, actor=world.editor) is not None  # ward staff may
