"""Grid queries in words (kaidan.catalog.describe): 「地区が三宿」, never chiku__exact=三宿."""

from __future__ import annotations

import pytest
from django.utils import translation

from kaidan.catalog.describe import describe_filter, describe_query
from kaidan.catalog.models import Field
from kaidan.catalog.query import OPS, Filter, GridQuery

CHIKU = Field(name="chiku", label="地区", type="text")
NENREI = Field(name="nenrei", label="年齢", type="integer")
HITORI = Field(name="hitori", label="独居", type="boolean")
HI = Field(name="hi", label="登録日", type="date")


@pytest.mark.parametrize(
    ("flt", "ja", "en"),
    [
        (Filter(CHIKU, "exact", "三宿"), "地区が三宿", "地区 is 三宿"),
        (Filter(CHIKU, "not", "三宿"), "地区が三宿以外", "地区 is not 三宿"),
        (Filter(CHIKU, "contains", "宿"), "地区に「宿」を含む", "地区 contains 宿"),
        (Filter(NENREI, "gte", "70"), "年齢が70以上", "年齢 is 70 or more"),
        (Filter(NENREI, "lte", "70"), "年齢が70以下", "年齢 is 70 or less"),
        (Filter(NENREI, "gt", "70"), "年齢が70を超える", "年齢 is more than 70"),
        (Filter(NENREI, "lt", "70"), "年齢が70未満", "年齢 is less than 70"),
        (Filter(CHIKU, "in", "三宿、池尻"), "地区が三宿、池尻のいずれか", "地区 is one of 三宿, 池尻"),
        (Filter(CHIKU, "isnull", "1"), "地区が空欄", "地区 is empty"),
        (Filter(CHIKU, "notnull", "1"), "地区が空欄でない", "地区 is not empty"),
        (Filter(HITORI, "exact", "true"), "独居がはい", "独居 is Yes"),
        (Filter(HI, "gte", "R8.4.1"), "登録日が2026年4月1日以上", "登録日 is 2026-04-01 or more"),
    ],
)
def test_every_operator_reads_as_words(flt, ja, en):
    with translation.override("ja"):
        assert describe_filter(flt) == ja
    with translation.override("en"):
        assert describe_filter(flt) == en


def test_the_words_cover_every_operator():
    ops = {"exact", "not", "contains", "gte", "lte", "gt", "lt", "in", "isnull", "notnull"}
    assert set(OPS) == ops


def test_a_whole_query_in_words():
    query = GridQuery(filters=(Filter(CHIKU, "exact", "三宿"), Filter(NENREI, "gte", "70")))
    with translation.override("ja"):
        assert describe_query(query) == "地区が三宿、かつ年齢が70以上"
        assert describe_query(GridQuery()) == "すべての行"
    with translation.override("en"):
        assert describe_query(query) == "地区 is 三宿 and 年齢 is 70 or more"
