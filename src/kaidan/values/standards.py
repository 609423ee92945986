"""The Digital Agency's 自治体標準オープンデータセット: their layouts and the value rules their columns follow.

A layout names the columns a file of that kind must have (in any order); the rules say what a value of a
column must look like — the 6-digit 全国地方公共団体コード with its check digit, decimal latitude and longitude
inside Japan, half-width phone numbers with hyphens, hh:mm times, katakana in ``_カナ`` columns, http(s)
URLs. A dataset is checked on its *content*, value by value, not only on its headers.

Each layout lists the columns common to the standard's facility layouts (code, number, prefecture,
municipality, name, kana, address, latitude, longitude) plus the columns that name the kind: what a file must
have to be read as one. The AED layout was checked against the published files we hold (焼津市); see
docs/opendata.md for what is checked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation

from .messages import Message, gettext_noop
from .types import FieldType

CODE = "都道府県コード又は市区町村コード"
PLACE = (CODE, "NO", "都道府県名", "市区町村名", "名称", "名称_カナ", "住所", "緯度", "経度")
"""The columns every facility-like standard dataset begins with."""


@dataclass(frozen=True)
class Standard:
    key: str
    title: str
    columns: tuple[str, ...]
    """The columns a dataset must have to be read as this kind (names as the standard writes them); the
    layout's other columns (方書, 内線番号, 備考 …) are optional, and often empty."""


STANDARDS = [
    Standard("aed", "AED設置箇所一覧", (*PLACE, "設置位置", "小児対応設備の有無")),
    Standard("cultural_property", "文化財一覧", (*PLACE, "文化財分類", "種類")),
    Standard(
        "evacuation_site",
        "指定緊急避難場所一覧",
        (*PLACE, "災害種別_洪水", "災害種別_地震", "指定避難所との住所同一"),
    ),
    Standard(
        "population", "地域・年齢別人口", (CODE, "都道府県名", "市区町村名", "調査年月日", "地域名", "総人口")
    ),
    Standard("childcare_facility", "子育て施設一覧", (*PLACE, "種別", "電話番号")),
    Standard(
        "open_data_list",
        "オープンデータ一覧",
        (CODE, "NO", "都道府県名", "市区町村名", "名称", "URL", "ライセンス"),
    ),
    Standard("public_wifi", "公衆無線LANアクセスポイント一覧", (*PLACE, "SSID")),
    Standard("care_service", "介護サービス事業所一覧", (*PLACE, "電話番号", "サービス種別")),
    Standard("medical_institution", "医療機関一覧", (*PLACE, "電話番号", "診療科目")),
    Standard("tourist_facility", "観光施設一覧", (*PLACE, "電話番号", "説明")),
    Standard(
        "event",
        "イベント一覧",
        (CODE, "NO", "都道府県名", "市区町村名", "イベント名", "開始日", "終了日", "場所名称"),
    ),
    Standard("public_toilet", "公衆トイレ一覧", (*PLACE, "男性トイレ総数", "女性トイレ総数")),
    Standard("fire_water", "消防水利施設一覧", (*PLACE, "種類")),
    Standard(
        "food_business",
        "食品等営業許可・届出一覧",
        (CODE, "NO", "都道府県名", "市区町村名", "営業者名", "業種", "許可番号"),
    ),
    Standard(
        "school_lunch", "学校給食献立情報", (CODE, "NO", "都道府県名", "市区町村名", "給食日", "献立名")
    ),
    Standard(
        "school_district", "小中学校通学区域情報", (CODE, "NO", "都道府県名", "市区町村名", "学校名", "町字")
    ),
    Standard("support_program", "支援制度情報", (CODE, "NO", "都道府県名", "市区町村名", "制度名", "概要")),
    Standard("polling_place", "投票所一覧", (*PLACE, "投票区番号")),
    Standard(
        "garbage_sorting", "ゴミ分別辞典", (CODE, "NO", "都道府県名", "市区町村名", "品目名", "分別区分")
    ),
    Standard("baby_station", "赤ちゃんの駅一覧", (*PLACE, "授乳室", "おむつ替え")),
    # the most general layout last: a file of a more specific kind has its columns too
    Standard("public_facility", "公共施設一覧", (*PLACE, "電話番号", "利用可能曜日", "開始時間", "終了時間")),
]


def _key(label: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))


def match(labels: list[str]) -> Standard | None:
    """The first standard (the most specific kinds come first) whose columns the labels all contain."""
    have = {_key(label) for label in labels}
    return next((s for s in STANDARDS if all(_key(c) in have for c in s.columns)), None)


COLUMN_TYPES: dict[str, FieldType] = {
    CODE: FieldType.CODE,
    "全国地方公共団体コード": FieldType.CODE,
    "NO": FieldType.CODE,
    "緯度": FieldType.LATITUDE,
    "経度": FieldType.LONGITUDE,
    "電話番号": FieldType.PHONE,
    "FAX番号": FieldType.PHONE,
    "開始時間": FieldType.TIME,
    "終了時間": FieldType.TIME,
    "調査年月日": FieldType.DATE,
    "開始日": FieldType.DATE,
    "終了日": FieldType.DATE,
    "給食日": FieldType.DATE,
    "総人口": FieldType.INTEGER,
    "男性トイレ総数": FieldType.INTEGER,
    "女性トイレ総数": FieldType.INTEGER,
    "投票区番号": FieldType.INTEGER,
}
"""The type a template's column gets (text when not listed): coordinates as degrees, codes as text that
keeps its leading zeros, phones normalized to half-width with hyphens, dates and hh:mm times typed."""


def column_type(column: str) -> FieldType:
    return COLUMN_TYPES.get(_key(column), FieldType.TEXT)


def find(key: str) -> Standard | None:
    """A standard by its key (``aed``) or title (``AED設置箇所一覧``)."""
    return next((s for s in STANDARDS if key in (s.key, s.title)), None)


def code_check_digit(five: str) -> int:
    """The check digit of a 全国地方公共団体コード's first five digits (JIS X 0401/0402)."""
    total = sum(int(d) * w for d, w in zip(five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


KATAKANA = re.compile(r"^[\u30a0-\u30ff\u3000 ・ー（）()　]*$")
PHONE = re.compile(r"^0\d{1,4}-\d{1,4}-\d{3,4}$")
HHMM = re.compile(r"^\d{2}:\d{2}$")


def problem(column: str, value: object) -> Message | None:
    """Why `value` does not follow the standard's rule for `column` (None when it does, or has no rule)."""
    if value is None or value == "":
        return None
    name = _key(column)
    text = str(value)
    if name in (_key(CODE), "全国地方公共団体コード"):
        if not re.fullmatch(r"\d{6}", text) or code_check_digit(text[:5]) != int(text[5]):
            return Message(gettext_noop("not a 6-digit local government code with a valid check digit"))
    elif name in ("緯度", "経度"):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return Message(gettext_noop("not a decimal number of degrees"))
        low, high = (20, 46) if name == "緯度" else (122, 154)
        if not low <= number <= high:
            return Message(gettext_noop("outside Japan (%(low)s–%(high)s degrees)"), low=low, high=high)
    elif name in ("電話番号", "FAX番号"):
        if not PHONE.fullmatch(text):
            return Message(
                gettext_noop("not a phone number in half-width digits with hyphens (03-1234-5678)")
            )
    elif name in ("開始時間", "終了時間"):
        shown = value.strftime("%H:%M") if isinstance(value, time) else text
        if not HHMM.fullmatch(shown):
            return Message(gettext_noop("not a time written hh:mm"))
    elif name.endswith("_カナ"):
        if not KATAKANA.fullmatch(text):
            return Message(gettext_noop("not written in katakana"))
    elif name in ("URL", "画像", "ホームページ"):
        if not re.match(r"^https?://\S+$", text):
            return Message(gettext_noop("not an http(s) URL"))
    return None
