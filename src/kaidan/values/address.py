"""Japanese addresses in one comparable form, for placing rows on a map from the ward's own address list.

`normalize_address` builds on the search normalization (kaidan.values.textsearch: full/half width, hyphen and
〒 variants, katakana to hiragana, itaiji) and adds what addresses need: the postal code dropped, spaces
removed, kanji numerals before 丁目/番地/番/号 written in digits, and 丁目・番地・番・号 (and の between
numbers) written as hyphens, so 池尻三丁目4番5号, 池尻３－４－５ and 〒154-0001 池尻3丁目4-5 are one form,
池尻3-4-5. Leading prefecture and municipality names given by the caller (the ward's own) are removed, so a
list of 町丁目 without them matches addresses written in full.

`address_keys` is the list of forms to look an address up by, most specific first: the whole form, then the
form with fewer numbers (池尻3-4-5, 池尻3-4, 池尻3, 池尻), so a reference list at 町丁目 level (池尻三丁目 →
池尻3) places an address at its 町丁目.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .textsearch import normalize

KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十百]+(?=丁目|丁|番地|番|号|$|-)")
KANJI_DIGIT = re.compile(r"[〇一二三四五六七八九十百]")
POSTAL = re.compile(r"^\d{3}-?\d{4}")
BLOCKS = re.compile(r"(\d+)(?:丁目|丁|番地の?|番|号|の)(?=\d|$)")
NUMBERS = re.compile(r"^(?P<head>\D*?)(?P<numbers>\d+(?:-\d+)*)(?P<rest>.*)$")


def kanji_number(text: str) -> str:
    """一 → 1, 十二 → 12, 二十三 → 23, 百五 → 105 (the numbers of 丁目 and 番地)."""
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + KANJI_DIGITS[char]
    return str(total + current)


@lru_cache(maxsize=64)
def prefixes(strip: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in (normalize(s).replace(" ", "") for s in strip) if p)


def normalize_address(text: object, strip: tuple[str, ...] = ()) -> str:
    """The comparable form of an address (see the module docstring); "" for no address."""
    value = normalize(text).replace(" ", "")
    value = POSTAL.sub("", value)
    for prefix in prefixes(strip):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if KANJI_DIGIT.search(value):
        value = KANJI_NUMBER.sub(lambda m: kanji_number(m.group()), value)
    value = BLOCKS.sub(_hyphen, value)  # 3丁目4番5号 → 3-4-5- (the lookahead consumes no digit)
    return value.strip("-")


def _hyphen(found: re.Match[str]) -> str:
    return found.group(1) + "-"


def address_keys(form: str) -> list[str]:
    """The forms to look a normalized address up by, most specific first (see the module docstring)."""
    if not form:
        return []
    found = NUMBERS.match(form)
    if found is None:
        return [form]
    head, numbers = found.group("head"), found.group("numbers").split("-")
    keys = [form]
    for count in range(len(numbers), 0, -1):
        keys.append(head + "-".join(numbers[:count]))
    if head:
        keys.append(head)
    return list(dict.fromkeys(keys))
