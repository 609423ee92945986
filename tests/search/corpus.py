"""A deterministic corpus of Japanese free text with a query set of known answers (issue 13's benchmark and
its test).

Every record is filler sentences about municipal matters, into some of which words are *planted* in one of
their written forms (サーバー as サーバ, ｻｰﾊﾞｰ or さーばー; 高橋 as 髙橋; a phone number in full width …). The
filler is checked to hold none of the query words in any form, so the answer of every query is known from
what was planted, not from the engine under test.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kaidan.values.textsearch import normalize

FILLER = [
    "本日は晴天でした",
    "区役所の窓口は九時に開きます",
    "地域の清掃活動を行いました",
    "公園の遊具を点検しました",
    "回覧板を近所に回しました",
    "夏祭りの準備を進めています",
    "図書館で本を借りました",
    "防災訓練に参加しました",
    "道路の補修工事が終わりました",
    "子どもたちが元気に遊んでいます",
    "ごみの分別について確認しました",
    "バスの時刻表が変わりました",
    "商店街で買い物をしました",
    "町内会の会議がありました",
    "学校の行事に出席しました",
    "雨の日が続いています",
    "花壇に水をやりました",
    "駅前の駐輪場が混雑しています",
    "体操教室が開かれました",
    "広報紙を配りました",
]


@dataclass(frozen=True)
class Family:
    """A word and the forms it is planted in; a query for the word must find every form."""

    key: str
    forms: tuple[str, ...]


FAMILIES = [
    Family("相談", ("相談",)),  # 2 characters, mid-sentence
    Family("空家", ("空家",)),
    Family("介護", ("介護",)),
    Family("猫", ("猫",)),  # 1 character
    Family("サーバー", ("サーバー", "サーバ", "ｻｰﾊﾞｰ", "さーばー")),  # long vowel, width, kana
    Family("ボランティア", ("ボランティア", "ぼらんてぃあ", "ﾎﾞﾗﾝﾃｨｱ")),  # small kana, width
    Family("高橋", ("高橋", "髙橋")),  # itaiji
    Family("03-1234-5678", ("03-1234-5678", "０３－１２３４－５６７８", "03ー1234ー5678")),  # width, dashes
    Family("見守り訪問", ("見守り訪問",)),  # a phrase of two words written together
]

TEMPLATES = ["{w}について", "{w}の件で", "{w}を確認", "{w}に関する連絡", "担当は{w}"]


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    """What the query tests (reported per kind by the benchmark)."""

    def answer(self, planted: list[frozenset[str]]) -> set[int]:
        """Row numbers (0-based) that must be found, from what each row holds."""
        has = self._predicate()
        return {i for i, keys in enumerate(planted) if has(keys)}

    def _predicate(self):  # type: ignore[no-untyped-def]
        return QUERY_LOGIC[self.text]


QUERY_LOGIC = {
    "相談": lambda k: "相談" in k,
    "空家": lambda k: "空家" in k,
    "介護": lambda k: "介護" in k,
    "猫": lambda k: "猫" in k,
    "サーバー": lambda k: "サーバー" in k,
    "ｻｰﾊﾞ": lambda k: "サーバー" in k,
    "ボランティア": lambda k: "ボランティア" in k,
    "ぼらんてぃあ": lambda k: "ボランティア" in k,
    "高橋": lambda k: "高橋" in k,
    "髙橋": lambda k: "高橋" in k,
    "03-1234-5678": lambda k: "03-1234-5678" in k,
    "０３－１２３４－５６７８": lambda k: "03-1234-5678" in k,
    '"見守り訪問"': lambda k: "見守り訪問" in k,
    "相談 介護": lambda k: "相談" in k and "介護" in k,
    "空家 OR 猫": lambda k: "空家" in k or "猫" in k,
    "相談 -介護": lambda k: "相談" in k and "介護" not in k,
}

QUERIES = [
    Query("相談", "2-character word mid-sentence"),
    Query("空家", "2-character word mid-sentence"),
    Query("介護", "2-character word mid-sentence"),
    Query("猫", "1-character word"),
    Query("サーバー", "long vowel, width and kana variants"),
    Query("ｻｰﾊﾞ", "long vowel, width and kana variants"),
    Query("ボランティア", "small kana and width variants"),
    Query("ぼらんてぃあ", "small kana and width variants"),
    Query("高橋", "itaiji"),
    Query("髙橋", "itaiji"),
    Query("03-1234-5678", "phone: width and dash variants"),
    Query("０３－１２３４－５６７８", "phone: width and dash variants"),
    Query('"見守り訪問"', "phrase"),
    Query("相談 介護", "AND"),
    Query("空家 OR 猫", "OR"),
    Query("相談 -介護", "minus"),
]

_FORBIDDEN = [normalize(form) for family in FAMILIES for form in family.forms] + [
    normalize(f) for f in ("相", "談", "猫", "空家", "介護", "高橋")
]


def _clean(text: str) -> bool:
    folded = normalize(text)
    return not any(bad in folded for bad in _FORBIDDEN)


def records(count: int, *, rate: float = 0.02, seed: int = 13) -> Iterator[tuple[str, frozenset[str]]]:
    """`count` records: (text, keys of the families planted in it)."""
    rng = random.Random(seed)
    fillers = [f for f in FILLER if _clean(f)]
    assert len(fillers) == len(FILLER), "a filler sentence holds a query word"
    for _ in range(count):
        sentences = rng.sample(fillers, rng.randint(2, 4))
        planted: set[str] = set()
        for family in FAMILIES:
            if rng.random() < rate:
                word = rng.choice(family.forms)
                sentences.insert(rng.randint(1, len(sentences)), rng.choice(TEMPLATES).format(w=word))
                planted.add(family.key)
        yield "。".join(sentences) + "。", frozenset(planted)


def write_csv(path: Path, count: int, *, rate: float = 0.02) -> list[frozenset[str]]:
    """The corpus as a UTF-8 CSV (番号, 内容) for `kaidan import`; returns what each row holds."""
    planted = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["番号", "内容"])
        for number, (text, keys) in enumerate(records(count, rate=rate), start=1):
            writer.writerow([number, text])
            planted.append(keys)
    return planted
