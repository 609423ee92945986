"""The Arrow kernels give every address the forms the Python rule (kaidan.values.address) gives it."""

from __future__ import annotations

import random

import pyarrow as pa

from kaidan.catalog.address_forms import address_forms, empty_addresses, forms_and_blanks
from kaidan.values.address import address_keys, normalize_address

WARD = ("東京都", "世田谷区")
WRITTEN = [
    "池尻三丁目4番5号",
    "池尻３－４－５",
    "〒154-0001 池尻3丁目4-5",
    "東京都世田谷区池尻3丁目4番地の5",
    "世田谷区　池尻3ー4ー5",
    "池尻3‐4‐5",
    "池尻3丁目4番5号コーポ池尻101",
    "池尻三丁目",
    "太子堂二十三丁目",
    "三軒茶屋1丁目",
    "静岡県焼津市本町2-16-32",
    "ｲｹｼﾞﾘ3-4",
    "髙﨑町1-2",
    "池尻",
    "  ",
    "",
    "東京都",
    "池尻3丁目4番",
    "池尻 3 - 4 - 5",
    "TOKYO Setagaya 1-2-3",
    "池尻3丁目4番地",
    "一ツ木町5",
    "池尻3の4の5",
    "154-0001",
    "代沢二丁目十番三号",
    "八幡山三丁目",
    "池尻 三 丁目",
    "町一",
]


def python_forms(value: str) -> tuple[str, list[str]]:
    form = normalize_address(value, WARD)
    return form, address_keys(form)


def arrow_forms(values: list[str | None]) -> dict[str, tuple[str, list[str]]]:
    table = address_forms(pa.array(values, pa.string()), WARD).to_pylist()
    found: dict[str, list[tuple[int, str]]] = {}
    for row in table:
        found.setdefault(row["__value"], []).append((row["__level"], row["__key"]))
    return {
        value: (max(rows)[1], [key for _level, key in sorted(rows, reverse=True)])
        for value, rows in found.items()
    }


def generated(count: int) -> list[str]:
    rng = random.Random(3)
    wide = str.maketrans("0123456789-", "０１２３４５６７８９－")
    out = []
    for _ in range(count):
        c, b, h = rng.randint(1, 9), rng.randint(1, 40), rng.randint(1, 30)
        text = rng.choice(
            [
                f"町{rng.randint(1, 99)}{c}丁目{b}番{h}号",
                f"東京都世田谷区北沢{c}-{b}-{h}",
                f"〒154-00{rng.randint(10, 99)} 若林{c}－{b}－{h}",
                f"世田谷区代沢{'一二三四五六七八九'[c - 1]}丁目{b}番地の{h}",
                f"桜{c}ー{b}",
                f"用賀{c}丁目{b}",
            ]
        )
        out.append(text.translate(wide) if rng.random() < 0.3 else text)
    return out


def test_the_kernels_and_the_python_rule_agree_on_every_address():
    values = WRITTEN + generated(2000)
    arrow = arrow_forms(values)
    for value in values:
        form, keys = python_forms(value)
        if not form:
            assert value not in arrow, value
            continue
        whole, arrow_keys = arrow[value]
        assert whole == form, value
        assert set(arrow_keys) == set(keys), value


def test_rows_without_an_address_are_counted():
    values = pa.array(["池尻3-4", None, "", "  ", "池尻3-4"], pa.string())
    assert empty_addresses(values, forms_and_blanks(values, WARD)[1]) == 3
    ward_only = pa.array(["〒154-0001 東京都世田谷区", "池尻", None])
    assert empty_addresses(ward_only, forms_and_blanks(ward_only, WARD)[1]) == 2
