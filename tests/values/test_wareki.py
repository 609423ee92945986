"""Specification of date and time parsing (kaidan.values.wareki)."""

from datetime import date, datetime, time

import pytest

from kaidan.values.wareki import is_year_month, parse_date, parse_datetime, parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-01", date(2023, 4, 1)),
        ("2023/4/1", date(2023, 4, 1)),
        ("2023.4.1", date(2023, 4, 1)),
        ("20230401", date(2023, 4, 1)),
        ("2023年4月1日", date(2023, 4, 1)),
        ("２０２３年４月１日", date(2023, 4, 1)),
        ("2023年4月1日（土）", date(2023, 4, 1)),
        ("2023/4/1(土・祝)", date(2023, 4, 1)),
        ("令和5年4月1日", date(2023, 4, 1)),
        ("令和５年４月１日", date(2023, 4, 1)),
        ("R5.4.1", date(2023, 4, 1)),
        ("R05/04/01", date(2023, 4, 1)),
        ("r5.4.1", date(2023, 4, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("㍻31年4月30日", date(2019, 4, 30)),
        ("㋿5年4月1日", date(2023, 4, 1)),
        ("㍼64年1月7日", date(1989, 1, 7)),
        ("S64.1.7", date(1989, 1, 7)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("㍽15年12月24日", date(1926, 12, 24)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("㍾45年7月29日", date(1912, 7, 29)),
        ("11/1/2018", date(2018, 11, 1)),
        ("2020.05/16", date(2020, 5, 16)),
    ],
)
def test_parse_date_accepts_common_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_wareki_gannen_is_year_one() -> None:
    assert parse_date("令和元年5月1日") == date(2019, 5, 1)
    assert parse_date("平成元年1月8日") == date(1989, 1, 8)


def test_heisei_31_may_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"平成31年5月1日 is after the end of 平成 \(2019-04-30\)"):
        parse_date("平成31年5月1日")


def test_era_start_is_checked() -> None:
    with pytest.raises(ValueError, match="before the start of 平成"):
        parse_date("平成元年1月7日")


def test_invalid_month_is_rejected_with_reason() -> None:
    with pytest.raises(ValueError, match="invalid month 13"):
        parse_date("令和5年13月1日")


def test_invalid_day_is_rejected_with_reason() -> None:
    with pytest.raises(ValueError, match="invalid day 30"):
        parse_date("2023/2/30")


def test_year_month_is_recognised_but_not_a_date() -> None:
    assert is_year_month("2023年4月")
    with pytest.raises(ValueError, match="year and month without a day"):
        parse_date("2023年4月")


def test_excel_serial_numbers_are_not_parsed_from_text() -> None:
    with pytest.raises(ValueError):
        parse_date("45017")


def test_date_objects_pass_through() -> None:
    assert parse_date(date(2023, 4, 1)) == date(2023, 4, 1)
    assert parse_date(datetime(2023, 4, 1, 0, 0)) == date(2023, 4, 1)  # noqa: DTZ001
    with pytest.raises(ValueError):
        parse_date(datetime(2023, 4, 1, 9, 30))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00", time(9, 0)),
        ("９：００", time(9, 0)),
        ("22：00", time(22, 0)),
        ("9時30分", time(9, 30)),
        ("9時", time(9, 0)),
        ("午後2時", time(14, 0)),
        ("8:00:00 PM", time(20, 0)),
        ("07:30", time(7, 30)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


def test_parse_time_rejects_prose_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        parse_time("１時間程度")
    with pytest.raises(ValueError, match="out of range"):
        parse_time("25:00")
    with pytest.raises(ValueError):
        parse_time("930")


def test_parse_datetime() -> None:
    assert parse_datetime("2023-04-01 9:00") == datetime(2023, 4, 1, 9, 0)  # noqa: DTZ001
    assert parse_datetime("R5.4.1 9時30分") == datetime(2023, 4, 1, 9, 30)  # noqa: DTZ001
    assert parse_datetime("5/31/2020  8:00:00 PM") == datetime(2020, 5, 31, 20, 0)  # noqa: DTZ001
    assert parse_datetime("2023/4/1") == datetime(2023, 4, 1)  # noqa: DTZ001
