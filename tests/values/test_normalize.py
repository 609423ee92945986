"""Specification of Japanese normalisation and value parsers."""

from decimal import Decimal

import pytest

from kaidan.values.normalize import (
    EMPTY_MARKERS,
    coordinate_kind,
    is_empty_marker,
    normalize_code,
    normalize_text,
    parse_bool,
    parse_latitude,
    parse_longitude,
    parse_number,
    parse_number_ex,
    parse_phone,
    parse_postal_code,
)


@pytest.mark.parametrize(
    "value",
    ["", "  ", "\u3000", "－", "―", "-", "‐", "−", "ー", "*", "＊", "…", "・", "※", "該当なし", "N/A", None],
)
def test_empty_markers(value: object) -> None:
    assert is_empty_marker(value)


@pytest.mark.parametrize("value", ["なし", "無し", "無", "ーー", "0", "コーヒー", "-1", 0])
def test_real_values_are_not_empty_markers(value: object) -> None:
    assert not is_empty_marker(value)


def test_empty_marker_list_is_explicit() -> None:
    assert "なし" not in EMPTY_MARKERS
    assert "ー" in EMPTY_MARKERS


def test_halfwidth_kana_becomes_fullwidth() -> None:
    assert normalize_text("ｺﾏｴｼﾔｸｼｮ") == "コマエシヤクショ"
    assert normalize_text("ﾊﾁｵｳｼﾞｼﾘﾂｺﾔｽﾎｲｸｴﾝ") == "ハチオウジシリツコヤスホイクエン"
    # other characters are kept as typed (no NFKC on everything)
    assert normalize_text("和泉本町１丁目①") == "和泉本町１丁目①"


def test_normalize_text_strips_and_unifies_newlines() -> None:
    assert normalize_text("\u3000名称 \r\n二行目\r三行目\u3000") == "名称 \n二行目\n三行目"


def test_cp932_and_utf8_addresses_compare_equal() -> None:
    utf8_text = "高松市香西本町７６２−２"  # U+2212 as in the UTF-8 file
    cp932_text = utf8_text.replace("−", "－").encode("cp932").decode("cp932")
    assert utf8_text != cp932_text
    assert normalize_text(utf8_text) == normalize_text(cp932_text)
    assert normalize_text("8月5日〜8月16日") == normalize_text("8月5日～8月16日")


def test_normalize_code() -> None:
    assert normalize_code("　０１２３ ") == "0123"
    assert normalize_code("ＡＢ－１") == "AB-1"
    assert normalize_code(132012.0) == "132012"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", 1234),
        ("１，２３４", 1234),
        ("1234", 1234),
        ("-5", -5),
        ("1.5", Decimal("1.5")),
        ("1.2e3", 1200),
        ("¥1,000", 1000),
        ("1,000円", 1000),
        ("100人", 100),
        ("3件", 3),
        (3.0, 3),
        (2.5, Decimal("2.5")),
    ],
)
def test_parse_number(text: object, expected: object) -> None:
    assert parse_number(text) == expected


def test_triangle_means_negative() -> None:
    assert parse_number("△100") == -100
    assert parse_number("▲1,500") == -1500


def test_units_and_percent_are_reported() -> None:
    assert parse_number_ex("12.5%") == parse_number_ex("１２．５％")
    assert parse_number_ex("12.5%").value == Decimal("12.5")
    assert parse_number_ex("12.5%").unit == "%"
    assert parse_number_ex("100人").unit == "人"
    assert parse_number_ex("¥1,000").unit == "円"


@pytest.mark.parametrize("text", ["(100)", "1,23", "abc", "087-841-2146", "19（休床中）", "1.2.3"])
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_number(text)


def test_parse_bool() -> None:
    for yes in ("○", "〇", "有", "あり", "はい", "true", "TRUE", "yes", "可", "1"):
        assert parse_bool(yes) is True, yes
    for no in ("×", "✕", "無", "なし", "いいえ", "false", "no", "不可", "0"):
        assert parse_bool(no) is False, no
    with pytest.raises(ValueError):
        parse_bool("1", allow_digits=False)
    with pytest.raises(ValueError, match="yes/no"):
        parse_bool("たぶん")


def test_parse_postal_code() -> None:
    assert parse_postal_code("〒154-0001") == "154-0001"
    assert parse_postal_code("1540001") == "154-0001"
    assert parse_postal_code("１５４－０００１") == "154-0001"
    with pytest.raises(ValueError):
        parse_postal_code("154-001")


def test_parse_phone() -> None:
    assert parse_phone("０３－５４３２－１１１１") == "03-5432-1111"
    assert parse_phone("03−5432−1111") == "03-5432-1111"
    assert parse_phone("(054)626-1139") == "054-626-1139"
    assert parse_phone("087-841-2146") == "087-841-2146"
    with pytest.raises(ValueError):
        parse_phone("内線2442")


def test_coordinates() -> None:
    assert coordinate_kind("緯度") == "latitude"
    assert coordinate_kind("所在地_経度") == "longitude"
    assert coordinate_kind("lat") == "latitude"
    assert coordinate_kind("location_lng") == "longitude"
    assert coordinate_kind("latest") is None
    assert parse_latitude("34.319621") == Decimal("34.319621")
    assert parse_longitude(134.110708) == Decimal("134.110708")
    with pytest.raises(ValueError, match="outside"):
        parse_latitude("134.1")


def test_the_field_types_of_the_catalog_are_the_value_types():
    """The Django choices (translated labels) list exactly the ground-floor value types."""
    from kaidan.catalog.models import FieldType as CatalogFieldType
    from kaidan.values.types import TYPE_NAMES_JA, FieldType

    assert [t.value for t in CatalogFieldType] == [t.value for t in FieldType]
    assert set(TYPE_NAMES_JA) == set(FieldType)
