"""How values, counts and browsers read on screen (kaidan.core.display, kaidan.core.useragent)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from kaidan.core.display import count, display_value
from kaidan.core.useragent import describe_user_agent


@pytest.mark.parametrize(
    ("value", "ja", "en"),
    [
        (True, "はい", "Yes"),
        (False, "いいえ", "No"),
        (None, "", ""),
        (date(2026, 12, 1), "2026年12月1日", "2026-12-01"),
        (datetime(2026, 12, 1, 9, 5, tzinfo=UTC), "2026年12月1日 9:05", "2026-12-01 09:05"),  # wall clock
        (time(9, 5), "09:05", "09:05"),
        (2026, "2026", "2026"),  # a stored number as stored: years and codes are not grouped
        (Decimal("1234.50"), "1234.50", "1234.50"),
        ("三宿", "三宿", "三宿"),
    ],
)
def test_values_read_as_people_expect_in_each_language(value, ja, en):
    with translation.override("ja"):
        assert display_value(value) == ja
    with translation.override("en"):
        assert display_value(value) == en


def test_counts_have_thousands_separators_in_templates_too():
    with translation.override("ja"):
        assert count(10250) == "10,250"
        assert (
            Template("{% load kaidan_format %}{{ n|count }} 行").render(Context({"n": 10250})) == "10,250 行"
        )
    assert count(12) == "12" and count("x") == "x"


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            "Chrome 120 / Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61",
            "Edge 120 / Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.1 Mobile/15E148 Safari/604.1",
            "Safari 17 / iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Samsung Internet 23 / Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox 121 / macOS",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121 / Linux"),
        ("curl/8.5.0", "curl 8 / 不明"),
    ],
)
def test_a_user_agent_in_words(header, words):
    with translation.override("ja"):
        assert describe_user_agent(header) == words


def test_an_empty_or_strange_user_agent():
    with translation.override("ja"):
        assert describe_user_agent("") == "記録なし"
        assert describe_user_agent("Frobnicator") == "不明なブラウザ"
    with translation.override("en"):
        assert describe_user_agent("Frobnicator") == "Unknown browser"
