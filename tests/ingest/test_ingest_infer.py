"""Specification of column type inference and conversion (kaidan.ingest.infer)."""

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from kaidan.ingest.infer import ColumnGuess, TypeTracker
from kaidan.ingest.plan import analyze
from kaidan.values.types import FieldType, convert


def _guess(name: str, values: Sequence[object]) -> ColumnGuess:
    tracker = TypeTracker([name])
    for number, value in enumerate(values, start=2):
        tracker.add(number, [value])
    return tracker.results()[0]


def test_field_type_values() -> None:
    assert [t.value for t in FieldType] == [
        "text", "integer", "decimal", "date", "datetime", "time", "boolean",
        "postal_code", "phone", "latitude", "longitude", "code",
    ]  # fmt: skip


def test_leading_zero_codes_stay_text() -> None:
    guess = _guess("NO", ["0000000001", "0000000002", "0123", "12"])
    assert guess.type == FieldType.CODE
    assert convert("0123", FieldType.CODE) == "0123"
    assert _guess("NO", ["1", "2", "12"]).type == FieldType.INTEGER


def test_95_percent_rule_with_evidence() -> None:
    values: list[object] = [*["2023/4/1"] * 998, "令和5年13月1日", "不明"]
    guess = _guess("開設日", values)
    assert guess.type == FieldType.DATE
    assert (guess.count_ok, guess.count_bad) == (998, 2)
    assert guess.examples_bad[0] == (1000, "令和5年13月1日")  # values start at row 2
    assert guess.evidence_en.startswith("date, 998 of 1000 values; 2 unparsable: row 1000 '令和5年13月1日'")
    assert "日付: 1000件中998件" in guess.evidence_ja
    assert "1000行目「令和5年13月1日」" in guess.evidence_ja
    mostly_bad = _guess("開設日", ["2023/4/1"] * 90 + ["不明"] * 10)
    assert mostly_bad.type == FieldType.TEXT
    assert "best date 90%" in mostly_bad.evidence_en


def test_empty_markers_do_not_count() -> None:
    guess = _guess("定員", ["10", "-", "", "20", "－"])
    assert guess.type == FieldType.INTEGER
    assert (guess.count_ok, guess.count_empty) == (2, 3)


def test_units_are_reported() -> None:
    guess = _guess("定員", ["10人", "20人", "5"])
    assert guess.type == FieldType.INTEGER
    assert guess.unit == "人"
    percent = _guess("率", ["12.5%", "99.9%"])
    assert (percent.type, percent.unit) == (FieldType.DECIMAL, "%")


def test_booleans_need_a_word_not_just_digits() -> None:
    assert _guess("有無", ["○", "×", "○"]).type == FieldType.BOOLEAN
    assert _guess("有無", ["1", "0", "有"]).type == FieldType.BOOLEAN
    assert _guess("件数", ["1", "0", "1"]).type == FieldType.INTEGER


def test_specific_types() -> None:
    assert _guess("郵便番号", ["425-0091", "〒154-0001"]).type == FieldType.POSTAL_CODE
    assert _guess("電話番号", ["087-841-2146", "(054)626-1139"]).type == FieldType.PHONE
    assert _guess("緯度", ["34.319621", 34.30674]).type == FieldType.LATITUDE
    assert _guess("経度", ["134.110708"]).type == FieldType.LONGITUDE
    assert _guess("値", ["34.319621", "1.5"]).type == FieldType.DECIMAL
    assert _guess("開始", ["9:00", time(9, 30), "２２：００"]).type == FieldType.TIME
    assert _guess("日時", ["2023-04-01 9:00", "2023/4/2 10:00"]).type == FieldType.DATETIME
    assert _guess("日", [datetime(2023, 4, 1), date(2023, 4, 2)]).type == FieldType.DATE  # noqa: DTZ001
    assert _guess("ID", ["131083C00001", "131083C00002"]).type == FieldType.TEXT


def test_convert() -> None:
    assert convert(3.0, "integer") == 3
    assert convert("１，２３４", FieldType.INTEGER) == 1234
    assert convert("△100", FieldType.INTEGER) == -100
    assert convert(2.5, FieldType.DECIMAL) == Decimal("2.5")
    assert convert(datetime(2023, 4, 1), FieldType.DATE) == date(2023, 4, 1)  # noqa: DTZ001
    assert convert("R5.4.1", FieldType.DATE) == date(2023, 4, 1)
    assert convert("○", FieldType.BOOLEAN) is True
    assert convert(True, FieldType.BOOLEAN) is True
    assert convert("-", FieldType.INTEGER) is None
    assert convert(132012.0, FieldType.TEXT) == "132012"
    assert convert("ｺﾏｴ", FieldType.TEXT) == "コマエ"
    assert convert("１５４０００１", FieldType.POSTAL_CODE) == "154-0001"
    with pytest.raises(ValueError, match="fractional"):
        convert("1.5", FieldType.INTEGER)
    with pytest.raises(ValueError, match="invalid month"):
        convert("令和5年13月1日", FieldType.DATE)


def test_totals_and_notes_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "stats.csv"
    path.write_text(
        "令和5年度 地区別人口\n\n地区,人口,,\n,総数,男,女\n塩屋町,402,188,214\n築地町,646,287,359\n"
        "合計,1048,475,573\n\n※ 令和5年4月1日現在\n出典：住民基本台帳\n",
        encoding="utf-8",
    )
    analysis = analyze(path)
    assert analysis.layout.header_rows == [2, 3]
    assert analysis.header_names == ["地区", "人口_総数", "人口_男", "人口_女"]
    assert analysis.data_rows == 2
    assert analysis.total_rows == [7]
    assert analysis.note_rows == [9, 10]
    assert analysis.column("人口_総数").type == FieldType.INTEGER
    assert any(issue.code == "total_rows" for issue in analysis.issues)
