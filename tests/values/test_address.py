"""One comparable form for Japanese addresses, and the forms to look one up by (most specific first)."""

from __future__ import annotations

import pytest

from kaidan.values.address import address_keys, normalize_address

WARD = ("東京都", "世田谷区")


@pytest.mark.parametrize(
    "written",
    [
        "池尻三丁目4番5号",
        "池尻３－４－５",
        "〒154-0001 池尻3丁目4-5",
        "東京都世田谷区池尻3丁目4番地の5",
        "世田谷区　池尻3ー4ー5",
        "池尻3‐4‐5",
    ],
)
def test_the_usual_ways_of_writing_an_address_are_one_form(written):
    assert normalize_address(written, WARD) == "池尻3-4-5"


def test_a_town_list_entry_is_the_form_of_its_chome():
    assert normalize_address("池尻三丁目") == "池尻3"
    assert normalize_address("太子堂二十三丁目") == "太子堂23"
    assert normalize_address("三軒茶屋一丁目") == "三軒茶屋1"  # the 三 of the name stays


def test_other_municipalities_keep_their_names():
    assert normalize_address("静岡県焼津市本町2-16-32", WARD) == "静岡県焼津市本町2-16-32"


def test_lookup_forms_go_from_the_whole_address_to_the_town():
    assert address_keys("池尻3-4-5") == ["池尻3-4-5", "池尻3-4", "池尻3", "池尻"]
    assert address_keys("池尻3-4-5こぽ101")[:2] == ["池尻3-4-5こぽ101", "池尻3-4-5"]
    assert address_keys("") == []


def test_a_building_after_the_number_keeps_the_address_findable():
    form = normalize_address("池尻3丁目4番5号コーポ池尻101")
    assert form.startswith("池尻3-4-5")
    assert "池尻3-4-5" in address_keys(form)
