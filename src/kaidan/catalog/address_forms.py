"""Address forms for many addresses at once: kaidan.values.address computed with Arrow kernels.

`normalize_address` and `address_keys` (kaidan.values.address) are the rule, in Python. Over a large
dataset most addresses are distinct (every house has its own), so "Python once per distinct value" would
still be Python per row. Here the same rule runs as Arrow string kernels (NFKC, lower-case, RE2 rewrites, a
list split for the lookup forms) on every address made only of the characters those kernels treat exactly as
Python does — ASCII, hiragana, kanji, 々, ー, 〒 and spaces — and without what needs Python's own steps
(itaiji and small kana folded by the search normalization); kanji numerals before 丁目/番地/番/号 are
rewritten by looking each distinct numeral up once. The other addresses (katakana, rare dashes …) go
through the Python rule one by one.
tests/catalog/test_address_forms.py proves both give the same forms and the same most specific key.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from kaidan.values.address import address_keys, kanji_number, normalize_address, prefixes
from kaidan.values.textsearch import FOLD

ALLOWED = r"\x{20}-\x{7e}\x{3041}-\x{3096}\x{4e00}-\x{9fff}\x{3005}\x{30fc}\x{3012}"
FOLDED = "".join(chr(k) for k in FOLD if 0x3041 <= k <= 0x3096 or 0x4E00 <= k <= 0x9FFF)
NEEDS_PYTHON = f"[^{ALLOWED}]|[{FOLDED}]"
PLAIN_NOT = r"[^\x{20}-\x{7e}\x{3041}-\x{3096}\x{4e00}-\x{9fff}\x{3005}\x{30fc}\x{3012}\x{3001}-\x{3003}]"
NUMERALS = "〇一二三四五六七八九十百"
KANJI_RUN = f"[{NUMERALS}](丁目|丁|番地|番|号|-|$)"
KANJI_SPLIT = f"^(?P<pre>.*?)(?P<num>[{NUMERALS}]+)(?P<post>(?:丁目|丁|番地|番|号|-).*|)$"
BLOCK = "(丁目|丁|番地の|番地|番|号|の)"
FULL = 1_000  # the level of the whole form (more specific than any number of blocks)


def _python(values: list[str], strip: tuple[str, ...]) -> tuple[list[str], list[str], list[int]]:
    out_value: list[str] = []
    out_key: list[str] = []
    out_level: list[int] = []
    for value in values:
        found = address_keys(normalize_address(value, strip))
        for i, key in enumerate(found):
            out_value.append(value)
            out_key.append(key)
            out_level.append(len(found) - i)
    return out_value, out_key, out_level


def _on(v: pa.Array, mask: pa.Array, rewrite: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`rewrite` applied only to the values `mask` selects (a cheap test first, the costly kernel after)."""
    if not pc.any(mask).as_py():
        return v
    return pc.replace_with_mask(v, mask, rewrite(v.filter(mask)))


def nfkc(values: pa.Array) -> pa.Array:
    """NFKC, run only on the values with a character outside the plain ranges (which NFKC leaves alone)."""
    return _on(values, pc.match_substring_regex(values, PLAIN_NOT), lambda s: pc.utf8_normalize(s, "NFKC"))


def normalize(v: pa.Array, strip: tuple[str, ...]) -> pa.Array:
    """normalize_address for NFKC'd values that need no Python step (see NEEDS_PYTHON)."""
    v = _on(v, pc.match_substring_regex(v, "[A-Z]"), pc.utf8_lower)

    def digit_dash(s: pa.Array) -> pa.Array:  # 03ー1234ー5678: the long-vowel mark between digits
        for _ in range(2):
            s = pc.replace_substring_regex(s, r"(\d)ー(\d)", r"\1-\2")
        return pc.replace_substring(s, "ー", "")

    v = _on(v, pc.match_substring(v, "ー"), digit_dash)
    v = _on(v, pc.match_substring(v, "〒"), lambda s: pc.replace_substring(s, "〒", ""))
    v = _on(v, pc.match_substring(v, " "), lambda s: pc.replace_substring(s, " ", ""))
    v = _on(
        v,
        pc.match_substring_regex(v, r"^\d{3}"),
        lambda s: pc.replace_substring_regex(s, r"^\d{3}-?\d{4}", ""),
    )
    for prefix in prefixes(strip):
        v = _on(v, pc.starts_with(v, prefix), functools.partial(pc.utf8_slice_codeunits, start=len(prefix)))
    v = _on(v, pc.match_substring_regex(v, KANJI_RUN), _kanji_numbers)

    def blocks(s: pa.Array) -> pa.Array:  # 3丁目4番5号 → 3-4-5: the second pass takes the blocks the first
        for _ in range(2):  # consumed the digit of
            s = pc.replace_substring_regex(s, rf"(\d+){BLOCK}(\d)", r"\1-\3")
        return pc.replace_substring_regex(s, rf"(\d+){BLOCK}$", r"\1-")

    v = _on(v, pc.match_substring_regex(v, "[丁番号の]"), blocks)
    return _on(v, pc.or_(pc.starts_with(v, "-"), pc.ends_with(v, "-")), lambda s: pc.utf8_trim(s, "-"))


def _kanji_numbers(v: pa.Array) -> pa.Array:
    """三丁目 → 3丁目, 二十三番 → 23番 (each pass rewrites the first numeral of each address)."""
    for _ in range(4):
        hits = pc.match_substring_regex(v, KANJI_RUN)
        if not pc.any(hits).as_py():
            break
        parts = pc.extract_regex(v.filter(hits), KANJI_SPLIT)
        numerals = pc.struct_field(parts, "num")
        distinct = pc.unique(numerals).drop_null()
        digits = pa.array([kanji_number(t) for t in distinct.to_pylist()], pa.string())
        found = pc.take(digits, pc.index_in(numerals, value_set=distinct))
        rebuilt = pc.binary_join_element_wise(
            pc.struct_field(parts, "pre"), found, pc.struct_field(parts, "post"), ""
        )
        v = pc.replace_with_mask(v, hits, rebuilt)
    return v


def _keys(values: pa.Array, forms: pa.Array) -> tuple[list[pa.Array], list[pa.Array], list[pa.Array]]:
    """address_keys for every form at once: the whole form, then head + the first k numbers, then head."""
    present = pc.not_equal(forms, "")
    values, forms = values.filter(present), forms.filter(present)
    parts = pc.extract_regex(forms, r"^(?P<head>\D*?)(?P<numbers>\d+(?:-\d+)*)(?P<rest>.*)$")
    numbered = pc.is_valid(parts)
    out_values, out_keys, out_levels = [values], [forms], [pa.array([FULL] * len(forms), pa.int32())]
    if not pc.any(numbered).as_py():
        return out_values, out_keys, out_levels
    values, parts = values.filter(numbered), parts.filter(numbered)
    head = pc.struct_field(parts, "head")
    numbers = pc.split_pattern(pc.struct_field(parts, "numbers"), "-")
    counts = pc.list_value_length(numbers)
    for k in range(1, int(pc.max(counts).as_py() or 0) + 1):
        keep = pc.greater_equal(counts, k)
        joined = pc.binary_join(pc.list_slice(numbers.filter(keep), 0, k), "-")
        out_values.append(values.filter(keep))
        out_keys.append(pc.binary_join_element_wise(head.filter(keep), joined, ""))
        out_levels.append(pa.array([k] * len(joined), pa.int32()))
    with_head = pc.not_equal(head, "")
    out_values.append(values.filter(with_head))
    out_keys.append(head.filter(with_head))
    out_levels.append(pa.array([0] * int(pc.sum(with_head.cast(pa.int64())).as_py() or 0), pa.int32()))
    return out_values, out_keys, out_levels


def address_forms(
    values: pa.Array | pa.ChunkedArray, strip: tuple[str, ...], *, keys: bool = True
) -> pa.Table:
    """Each distinct address (``__value``) with its lookup forms (``__key``; ``__level``, higher is more
    specific), or (keys=False) only its normalized form. An address with no form has no row."""
    return forms_and_blanks(values, strip, keys=keys)[0]


def forms_and_blanks(
    values: pa.Array | pa.ChunkedArray, strip: tuple[str, ...], *, keys: bool = True
) -> tuple[pa.Table, pa.Array]:
    """address_forms, and the distinct addresses that have no form (blank once normalized)."""
    distinct = pc.unique(values.cast(pa.string())).drop_null()
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    folded = nfkc(distinct)
    slow = pc.match_substring_regex(folded, NEEDS_PYTHON)
    fast_values = distinct.filter(pc.invert(slow))
    fast_forms = normalize(folded.filter(pc.invert(slow)), strip)
    blanks = [fast_values.filter(pc.equal(fast_forms, ""))]
    if keys:
        out_values, out_keys, out_levels = _keys(fast_values, fast_forms)
    else:
        present = pc.not_equal(fast_forms, "")
        out_values, out_keys = [fast_values.filter(present)], [fast_forms.filter(present)]
        out_levels = [pa.array([1] * len(out_values[0]), pa.int32())]
    slow_values = distinct.filter(slow).to_pylist()
    blanks.append(pa.array([v for v in slow_values if not normalize_address(v, strip)], pa.string()))
    if keys:
        py_values, py_keys, py_levels = _python(slow_values, strip)
    else:
        pairs = [(v, normalize_address(v, strip)) for v in slow_values]
        py_values = [v for v, f in pairs if f]
        py_keys = [f for _v, f in pairs if f]
        py_levels = [1] * len(py_values)
    out_values.append(pa.array(py_values, pa.string()))
    out_keys.append(pa.array(py_keys, pa.string()))
    out_levels.append(pa.array(py_levels, pa.int32()))
    table = pa.table(
        {
            "__value": pa.concat_arrays([a.cast(pa.string()) for a in out_values]),
            "__key": pa.concat_arrays([a.cast(pa.string()) for a in out_keys]),
            "__level": pa.concat_arrays(out_levels),
        }
    )
    return table, pa.concat_arrays([b.cast(pa.string()) for b in blanks])


def empty_addresses(values: pa.Array | pa.ChunkedArray, blanks: pa.Array) -> int:
    """Rows whose address is missing or one of `blanks` (no form once normalized)."""
    text = values.cast(pa.string())
    hits = pc.sum(pc.is_in(text, value_set=blanks).cast(pa.int64())).as_py() or 0 if len(blanks) else 0
    return int(text.null_count + hits)
