"""Convert a whole column of raw cells at once: the importer's fast path.

``convert_column(values, type)`` gives exactly ``[convert(v, type) for v in values]`` (with the
errors by position instead of raised), but much faster on big files:

* the common forms are converted with Arrow compute kernels, a batch at a time: plain text (trimmed,
  JIS look-alikes unified, line ends normalised), ASCII integers, ISO dates (``2023-04-01``) and
  ASCII codes;
* every other cell (full-width digits, ``△100``, ``1,234``, 和暦, half-width kana, …) goes through
  ``convert`` itself, memoised per distinct text because municipal columns repeat values a lot.

The equivalence is a tested contract (``tests/ingest/test_ingest_columnar.py``), so the fast path can
never import a value differently from the plan's preview or the rejection report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kaidan.values.normalize import _STRIP, EMPTY_MARKERS
from kaidan.values.types import FieldType, convert

MEMO_SIZE = 100_000
_VECTOR_MIN = 64  # below this, Arrow's per-call overhead is not worth it
_DISTINCT_MIN = 1024  # from this many cells, a batch with few distinct values is converted per value
_DISTINCT_SHARE = 4  # … when at most a quarter of its cells are distinct

# A cell that Python's str.strip() empties (convert treats it as empty): only str.isspace() characters.
_ALL_SPACE = r"^[\t\n\x0b\x0c\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]*$"
_HALFWIDTH_KANA = "[\\x{ff61}-\\x{ff9f}]"
_JIS_TO_CP932 = (
    ("\u2212", "\uff0d"),
    ("\u301c", "\uff5e"),
    ("\u2016", "\u2225"),
    ("\u2014", "\u2015"),
    ("\u00a2", "\uffe0"),
    ("\u00a3", "\uffe1"),
    ("\u00ac", "\uffe2"),
    ("\r\n", "\n"),
    ("\r", "\n"),
    ("\x00", ""),  # as values.normalize drops NUL
)
# any character the TEXT conversion changes or leaves to the slow path (half-width kana, the look-alikes, CR)
_TEXT_SPECIAL = (
    "[\\x{ff61}-\\x{ff9f}" + "".join(f"\\x{{{ord(old[0]):04x}}}" for old, _new in _JIS_TO_CP932) + "]"
)
_EMPTY = pa.array(sorted(EMPTY_MARKERS), pa.string())
_STRIP_CHARS = _STRIP
_ASCII_INTEGER = r"^-?[0-9]{1,18}$"
_ISO_DATE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"  # years 1000-9999; others take the slow path
_STR_ONLY = {str}
_INT_ONLY = {int}  # (bool is a type of its own here)
_NUMBER_TYPES = frozenset({int, float})
_VECTOR_TYPES = frozenset({FieldType.TEXT, FieldType.INTEGER, FieldType.DATE, FieldType.CODE})


class ColumnConverter:
    """Converts the batches of one column to one type; keeps a memo of the slow conversions."""

    def __init__(self, field_type: FieldType | str) -> None:
        self.type = FieldType(field_type)
        self._memo: dict[str, Any] = {}

    def __call__(self, values: Sequence[object] | pa.Array) -> tuple[list[Any], dict[int, ValueError]]:
        """Typed values (``None`` where the cell is empty or bad) and the errors by position.

        ``values`` may be an Arrow string array (as the CSV reader gives it): the same as its Python list."""
        result, errors = self.typed(values, arrow=False)
        return result if isinstance(result, list) else result.to_pylist(), errors

    def typed(
        self, values: Sequence[object] | pa.Array, *, arrow: bool = True
    ) -> tuple[list[Any] | pa.Array, dict[int, ValueError]]:
        """Like calling the converter, but where the kernels did the work the values stay an Arrow array
        (string, int64 or date32: exactly the Python values ``__call__`` gives, without a Python object per
        cell); a Python list elsewhere."""
        if isinstance(values, pa.Array):
            if (
                self.type in _VECTOR_TYPES
                and len(values) >= _VECTOR_MIN
                and values.type == pa.string()
                and values.null_count == 0
            ):
                return self._vector(values, None, arrow)
            values = values.to_pylist()
        kinds = set(map(type, values)) if len(values) >= _VECTOR_MIN else None
        if self.type in _VECTOR_TYPES and kinds == _STR_ONLY:
            return self._vector(pa.array(values, pa.string()), values, arrow)  # type: ignore[arg-type]
        if (
            self.type is FieldType.INTEGER
            and kinds is not None
            and kinds <= _NUMBER_TYPES
            and (kinds == _INT_ONLY or all(type(v) is int or v.is_integer() for v in values))  # type: ignore[union-attr]
        ):
            # a spreadsheet's whole numbers (Excel stores 3 as 3.0): convert() gives int(v) for each
            if kinds != _INT_ONLY:
                values = [v if type(v) is int else int(v) for v in values]  # type: ignore[arg-type,call-overload]
            if arrow:
                try:
                    return pa.array(values, pa.int64()), {}
                except OverflowError:
                    pass
            return list(values), {}
        errors: dict[int, ValueError] = {}
        return [self._one(i, v, errors) for i, v in enumerate(values)], errors

    def _one(self, index: int, value: object, errors: dict[int, ValueError]) -> Any:
        if type(value) is str:
            try:
                result = self._memo[value]
            except KeyError:
                try:
                    result = convert(value, self.type)
                except ValueError as exc:
                    result = exc
                if len(self._memo) >= MEMO_SIZE:
                    self._memo.clear()
                self._memo[value] = result
        else:
            try:
                result = convert(value, self.type)
            except ValueError as exc:
                result = exc
        if isinstance(result, ValueError):
            errors[index] = result
            return None
        return result

    def _vector(
        self, raw: pa.Array, values: Sequence[str] | None, arrow: bool
    ) -> tuple[list[Any] | pa.Array, dict[int, ValueError]]:
        """Convert a batch; a column that repeats its values is converted once per distinct value."""
        if len(raw) >= _DISTINCT_MIN:
            encoded = pc.dictionary_encode(raw)
            distinct = encoded.dictionary
            if len(distinct) * _DISTINCT_SHARE <= len(raw):
                typed, bad = self._vector_plain(distinct, None, arrow)
                errors: dict[int, ValueError] = {}
                if not isinstance(typed, list):
                    if bad:
                        flagged = pc.is_in(
                            encoded.indices, value_set=pa.array(list(bad), encoded.indices.type)
                        )
                        rows = pc.indices_nonzero(flagged).to_pylist()
                        picked = pc.take(encoded.indices, pa.array(rows, pa.int64())).to_pylist()
                        errors = {row: bad[index] for row, index in zip(rows, picked, strict=True)}
                    return pc.take(typed, encoded.indices), errors
                indices = encoded.indices.to_pylist()
                if bad:
                    errors = {row: bad[index] for row, index in enumerate(indices) if index in bad}
                return [typed[index] for index in indices], errors
        return self._vector_plain(raw, values, arrow)

    def _vector_plain(
        self, raw: pa.Array, values: Sequence[str] | None, arrow: bool = False
    ) -> tuple[list[Any] | pa.Array, dict[int, ValueError]]:
        trimmed = pc.utf8_trim(raw, characters=_STRIP_CHARS)
        empty = _empty(raw, trimmed)
        if self.type is FieldType.TEXT:
            if not pc.any(pc.match_substring_regex(raw, _TEXT_SPECIAL)).as_py():
                # no half-width kana, JIS look-alike or CR in the batch: the text is the trimmed cell
                slow = pa.repeat(False, len(raw))
                fast = trimmed
            else:
                slow = pc.match_substring_regex(raw, _HALFWIDTH_KANA)
                text = raw
                for old, new in _JIS_TO_CP932:
                    text = pc.replace_substring(text, old, new)
                fast = pc.utf8_trim(text, characters=_STRIP_CHARS)
        elif self.type is FieldType.CODE:
            slow = pc.or_(pc.invert(pc.string_is_ascii(raw)), pc.match_substring(raw, "\x00"))
            fast = trimmed
        elif self.type is FieldType.INTEGER:
            ok = pc.match_substring_regex(raw, _ASCII_INTEGER)
            slow = pc.invert(ok)
            fast = pc.cast(pc.if_else(ok, raw, pa.scalar("0")), pa.int64())
        else:  # DATE
            ok = pc.match_substring_regex(raw, _ISO_DATE)
            parsed = pc.strptime(
                pc.if_else(ok, raw, pa.scalar("2000-01-01")), format="%Y-%m-%d", unit="s", error_is_null=True
            )
            # strptime rolls 2023-02-30 over to March: only a round trip proves the date exists
            fast = pc.cast(parsed, pa.date32())
            back = pc.cast(fast, pa.string())  # YYYY-MM-DD, like strftime but much faster
            ok = pc.and_(ok, pc.fill_null(pc.equal(back, raw), False))
            slow = pc.invert(ok)
        slow = pc.and_(slow, pc.invert(empty))
        blank = pc.or_(empty, slow)
        if pc.any(blank).as_py():
            fast = pc.if_else(blank, pa.scalar(None, fast.type), fast)
        errors: dict[int, ValueError] = {}
        slow_rows = pc.indices_nonzero(slow).to_pylist()
        if arrow:
            if not slow_rows:
                return fast, errors
            # the few cells the kernels leave: converted one by one, patched into the array
            patch = [
                self._one(index, values[index] if values is not None else raw[index].as_py(), errors)
                for index in slow_rows
            ]
            try:
                patched = pa.array(patch, fast.type)
            except (pa.ArrowException, OverflowError, TypeError):
                patched = None  # e.g. an integer beyond int64: the list keeps it exact
            if patched is not None:
                mask = pa.array(pc.fill_null(slow, False))
                return pc.replace_with_mask(fast, mask, patched), errors
            errors = {}
        result = fast.to_pylist()
        for index in slow_rows:
            value = values[index] if values is not None else raw[index].as_py()
            result[index] = self._one(index, value, errors)
        return result, errors


def _empty(raw: pa.Array, trimmed: pa.Array) -> pa.Array:
    return pc.or_(pc.match_substring_regex(raw, _ALL_SPACE), pc.is_in(trimmed, value_set=_EMPTY))


def empty_mask(values: Sequence[str] | pa.Array) -> pa.Array:
    """True where ``convert`` would give ``None`` because the cell is empty (blank or an empty marker)."""
    raw = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return _empty(raw, pc.utf8_trim(raw, characters=_STRIP_CHARS))


def convert_column(
    values: Sequence[object] | pa.Array, field_type: FieldType | str
) -> tuple[list[Any], dict[int, ValueError]]:
    """``[convert(v, field_type) for v in values]`` with the ValueErrors by position (value ``None``)."""
    return ColumnConverter(field_type)(values)
