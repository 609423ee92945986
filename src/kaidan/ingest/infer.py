"""Guess the type of every column while streaming through a file.

A column gets a type when at least 95 % of its non-empty values parse as that
type, so a handful of typos does not turn a date column into text; the typos
are reported (with their row numbers) instead.  Digits with leading zeros
("0123") are identifiers and stay ``code``: turning them into integers would
lose the zeros.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from kaidan.values.messages import Message, MessageList, ValueProblem, gettext_noop
from kaidan.values.normalize import (
    coordinate_kind,
    is_empty_marker,
    normalize_code,
    parse_bool,
    parse_latitude,
    parse_longitude,
    parse_number_ex,
    parse_phone,
    parse_postal_code,
)
from kaidan.values.types import FieldType, check_integer_range, type_name
from kaidan.values.wareki import parse_date, parse_datetime, parse_time

from .errors import Issue

THRESHOLD = 0.95
MAX_EXAMPLES = 5


def _check_integer(value: object) -> str:
    number = parse_number_ex(value)
    if isinstance(number.value, Decimal):
        raise ValueProblem(Message(gettext_noop("has a fractional part")))
    check_integer_range(number.value)
    return number.unit


def _check_decimal(value: object) -> str:
    return parse_number_ex(value).unit


def _check_code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return ""
    if not isinstance(value, str) or not normalize_code(value).isdigit():
        raise ValueProblem(Message(gettext_noop("not a digits-only code")))
    return ""


def _check_date(value: object) -> str:
    parse_date(value)
    return ""


def _check_datetime(value: object) -> str:
    parse_datetime(value)
    return ""


def _check_time(value: object) -> str:
    if isinstance(value, datetime):
        raise ValueProblem(Message(gettext_noop("a date and time")))
    parse_time(value)
    return ""


def _check_bool(value: object) -> str:
    parse_bool(value)
    return ""


def _wrap(parser: Callable[[object], object]) -> Callable[[object], str]:
    def check(value: object) -> str:
        parser(value)
        return ""

    return check


_CHECKS: dict[FieldType, Callable[[object], str]] = {
    FieldType.BOOLEAN: _check_bool,
    FieldType.POSTAL_CODE: _wrap(parse_postal_code),
    FieldType.PHONE: _wrap(parse_phone),
    FieldType.LATITUDE: _wrap(parse_latitude),
    FieldType.LONGITUDE: _wrap(parse_longitude),
    FieldType.CODE: _check_code,
    FieldType.INTEGER: _check_integer,
    FieldType.DECIMAL: _check_decimal,
    FieldType.DATE: _check_date,
    FieldType.DATETIME: _check_datetime,
    FieldType.TIME: _check_time,
}
"""Candidates in order of preference (most specific first)."""


_NUMERIC = frozenset({FieldType.CODE, FieldType.INTEGER, FieldType.DECIMAL})
# Enum attribute access is slow on Python 3.11; the hot loops use these.
_INTEGER, _DECIMAL, _BOOLEAN = FieldType.INTEGER, FieldType.DECIMAL, FieldType.BOOLEAN
_LATITUDE, _LONGITUDE = FieldType.LATITUDE, FieldType.LONGITUDE
_PHONE, _POSTAL_CODE = FieldType.PHONE, FieldType.POSTAL_CODE
_MEMO_SIZE = 4096  # distinct values remembered per column (11 years of dates)
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+$")


@dataclass
class ColumnGuess:
    """The type chosen for a column and the evidence for it."""

    name: str
    type: FieldType
    count_ok: int
    count_bad: int
    count_empty: int
    examples_bad: list[tuple[int, str]]
    unit: str
    evidence_ja: str
    evidence_en: str
    issues: list[Issue] = field(default_factory=list)


@dataclass
class _Candidate:
    ok: int = 0
    bad: int = 0
    alive: bool = True
    examples: list[tuple[int, str]] = field(default_factory=list)


def _is_dms(value: object) -> bool:
    """Could this decimal be degrees-minutes-seconds packed (35.371269 =
    35°37'12.69")?  True when the minute and second digits are both < 60."""
    text = normalize_code(value)
    if "." not in text:
        return False
    fraction = text.split(".", 1)[1]
    if len(fraction) < 3 or not fraction.isdigit():
        return False
    return int(fraction[:2]) < 60 and int(fraction[2:4].ljust(2, "0")) < 60


class _ColumnState:
    def __init__(self, name: str) -> None:
        self.name = name
        self.empty = 0
        self.nonempty = 0
        kind = coordinate_kind(name)
        self.candidates: dict[FieldType, _Candidate] = {
            t: _Candidate()
            for t in _CHECKS
            if t not in (FieldType.LATITUDE, FieldType.LONGITUDE) or t.value == kind
        }
        self.units: Counter[str] = Counter()
        self.leading_zero = False
        self.bool_word = False
        lowered = name.lower()
        self.postal_hint = (
            any(word in name for word in ("郵便", "〒")) or "postal" in lowered or "zip" in lowered
        )
        self.phone_hint = any(word in lowered for word in ("電話", "tel", "fax", "phone", "携帯"))
        self.phone_digits_only = False
        self.dms = 0
        self._memo: dict[str, dict[FieldType, str | None]] = {}
        self._clean: set[str] = set()  # memoised values that are non-empty and fail no alive candidate
        self.alive = list(self.candidates.items())
        self.postal_hyphen = False
        # clean values counted by whole batches, applied together before the next value-by-value `add` (a
        # failure there depends on the counts so far) or the guess: the same effect, once per distinct value
        self._deferred: Counter[str] = Counter()

    def _evaluate(self, value: object) -> dict[FieldType, str | None]:
        """Unit (``""`` if none) per alive candidate, ``None`` where it fails.

        Results are memoised per distinct text value (bounded), because
        municipal columns repeat values a lot (dates, categories, ○/×).
        """
        key = value if isinstance(value, str) else None
        if key is not None and (cached := self._memo.get(key)) is not None:
            return cached
        results: dict[FieldType, str | None] = {}
        numbers: tuple[str | None, str | None] | None = None  # (integer, decimal) units
        plain_digits = isinstance(value, str) and value.isascii() and value.isdigit()
        if not plain_digits and isinstance(value, str) and _GROUPED.match(value):
            numbers = ("", "")  # "19,763": an integer without parsing
        for field_type, _candidate in self.alive:
            if plain_digits and field_type in _NUMERIC:
                results[field_type] = ""
                continue
            if field_type in (_INTEGER, _DECIMAL):
                if numbers is None:
                    try:
                        parsed = parse_number_ex(value)
                        numbers = (parsed.unit if isinstance(parsed.value, int) else None, parsed.unit)
                    except ValueError:
                        numbers = (None, None)
                results[field_type] = numbers[0] if field_type is _INTEGER else numbers[1]
                continue
            try:
                results[field_type] = _CHECKS[field_type](value)
            except ValueError:
                results[field_type] = None
        if key is not None and len(self._memo) < _MEMO_SIZE:
            self._memo[key] = results
        return results

    def add(self, row_number: int, value: object) -> None:
        if self._deferred:
            self._apply_deferred()
        if is_empty_marker(value) or (isinstance(value, str) and not value.strip()):
            self.empty += 1
            return
        self.nonempty += 1
        if isinstance(value, str) and not self.leading_zero and value.lstrip()[:1] in ("0", "０"):
            code = normalize_code(value)
            if len(code) > 1 and code.startswith("0") and code.isdigit():
                self.leading_zero = True
        for field_type, unit in self._evaluate(value).items():
            candidate = self.candidates[field_type]
            if not candidate.alive:
                continue
            if unit is None:
                candidate.bad += 1
                if len(candidate.examples) < MAX_EXAMPLES:
                    candidate.examples.append((row_number, str(value)))
                # Heuristic: a candidate failing on a quarter of 20+ values can
                # no longer reach 95 % in any realistic file; stop testing it.
                if candidate.bad > 20 and candidate.bad > self.nonempty // 4:
                    candidate.alive = False
                    self.alive = [(t, c) for t, c in self.alive if c.alive]
                continue
            candidate.ok += 1
            if field_type is _DECIMAL and unit:
                self.units[unit] += 1
            elif field_type is _BOOLEAN and not self.bool_word:
                self.bool_word = isinstance(value, bool) or (
                    isinstance(value, str) and normalize_code(value) not in ("0", "1")
                )
            elif field_type in (_LATITUDE, _LONGITUDE) and _is_dms(value):
                self.dms += 1
            elif field_type is _PHONE and not self.phone_digits_only:
                self.phone_digits_only = normalize_code(value).isdigit()
            elif field_type is _POSTAL_CODE and not self.postal_hyphen:
                self.postal_hyphen = not normalize_code(value).isdigit()

    def add_many(self, numbers: list[int], values: Any) -> None:
        """``add`` for each value in order, with the same result, faster.

        A text value seen before whose evaluation had no failure is only counted (its effect does not
        depend on its place in the file); everything else (a failure can stop a candidate, and the
        first failures are quoted as examples) goes through ``add`` in file order, after the counted
        values before it have been applied.
        """
        if not self.alive:
            # no candidate left: only the counts matter (TEXT is the answer)
            empty = _count_empty(values)
            self.empty += empty
            self.nonempty += len(values) - empty
            return
        if not isinstance(values, list):  # an Arrow string array from the CSV reader
            if self._add_arrow(values):
                return
            values = values.to_pylist()
        memo = self._memo
        clean = self._clean
        pending: dict[str, int] = {}
        digits = 0  # plain ASCII digit strings while only numeric candidates are left: ok for all of them
        digits_ok = all(t in _NUMERIC for t, _c in self.alive)
        alive = len(self.alive)
        add = self.add
        for index, (number, value) in enumerate(zip(numbers, values, strict=True)):
            if type(value) is str:
                if value in clean:
                    pending[value] = pending.get(value, 0) + 1
                    continue
                if digits_ok and value.isdigit() and value.isascii():
                    digits += 1
                    if not self.leading_zero and len(value) > 1 and value[0] == "0":
                        self.leading_zero = True
                    continue
            elif digits_ok and (type(value) is int or (type(value) is float and value.is_integer())):
                # a spreadsheet's whole-number cell passes every numeric candidate, with no unit: like digits
                digits += 1
                continue
            if pending or digits:
                self._apply_pending(pending, digits)
                pending, digits = {}, 0
            before = self.empty
            add(number, value)
            if (
                type(value) is str
                and self.empty == before
                and len(clean) < _MEMO_SIZE
                and (results := memo.get(value)) is not None
                # clean for every candidate still alive (candidates only die, so it stays clean)
                and all(results[t] is not None for t, _c in self.alive)
            ):
                clean.add(value)
            if len(self.alive) != alive:
                # a candidate stopped: what the next batch would decide at its start holds from here on
                alive = len(self.alive)
                if not alive:
                    rest = values[index + 1 :]
                    empty = _count_empty(rest)
                    self.empty += empty
                    self.nonempty += len(rest) - empty
                    break
                digits_ok = all(t in _NUMERIC for t, _c in self.alive)
        if pending or digits:
            self._apply_pending(pending, digits)

    def _add_arrow(self, values: Any) -> bool:
        """``add_many`` of an Arrow batch in bulk where that is exactly what it would do; False when
        the batch has to go value by value.

        Two cases: only numeric candidates are left and every cell is ASCII digits (each is counted as a
        plain digit string), or every distinct value is already known to be clean (each is counted)."""
        import pyarrow.compute as pc

        if values.null_count:
            return False
        count = len(values)
        digits_ok = all(t in _NUMERIC for t, _c in self.alive)
        if digits_ok and pc.all(pc.match_substring_regex(values, "^[0-9]+$")).as_py() is not False:
            if not self.leading_zero and pc.any(pc.match_substring_regex(values, "^0[0-9]")).as_py():
                self.leading_zero = True
            self._apply_pending({}, count)
            return True
        counts = pc.value_counts(values)
        if len(counts) * 2 > count:
            return False  # mostly distinct values: they cannot all be known
        distinct = counts.field("values").to_pylist()
        if not all(value in self._clean for value in distinct):
            return False
        self._deferred.update(dict(zip(distinct, counts.field("counts").to_pylist(), strict=True)))
        return True

    def _apply_pending(self, pending: dict[str, int], digits: int = 0) -> None:
        """Apply counted clean values: what ``add`` would have done for each of them."""
        if digits:
            self.nonempty += digits
            for _field_type, candidate in self.alive:
                candidate.ok += digits
        for value, count in pending.items():
            self.nonempty += count
            if not self.leading_zero and value.lstrip()[:1] in ("0", "０"):
                code = normalize_code(value)
                if len(code) > 1 and code.startswith("0") and code.isdigit():
                    self.leading_zero = True
            for field_type, unit in self._memo[value].items():
                candidate = self.candidates[field_type]
                if not candidate.alive:
                    continue
                candidate.ok += count
                if field_type is _DECIMAL and unit:
                    self.units[unit] += count
                elif field_type is _BOOLEAN and not self.bool_word:
                    self.bool_word = normalize_code(value) not in ("0", "1")
                elif field_type in (_LATITUDE, _LONGITUDE) and _is_dms(value):
                    self.dms += count
                elif field_type is _PHONE and not self.phone_digits_only:
                    self.phone_digits_only = normalize_code(value).isdigit()
                elif field_type is _POSTAL_CODE and not self.postal_hyphen:
                    self.postal_hyphen = not normalize_code(value).isdigit()

    def _passes(self, field_type: FieldType) -> bool:
        candidate = self.candidates.get(field_type)
        return candidate is not None and candidate.alive and candidate.ok >= THRESHOLD * self.nonempty

    def _choose(self) -> FieldType:
        if self.nonempty == 0:
            return FieldType.TEXT
        for field_type in self.candidates:
            if not self._passes(field_type):
                continue
            if field_type is FieldType.BOOLEAN and not self.bool_word:
                continue
            if field_type is FieldType.POSTAL_CODE and not (self.postal_hyphen or self.postal_hint):
                continue
            if field_type is FieldType.PHONE and self.phone_digits_only and not self.phone_hint:
                continue
            if field_type is FieldType.CODE and not self.leading_zero:
                continue
            if field_type is FieldType.INTEGER and self.leading_zero:
                continue
            return field_type
        return FieldType.TEXT

    def _apply_deferred(self) -> None:
        deferred, self._deferred = self._deferred, Counter()
        self._apply_pending(dict(deferred))

    def guess(self) -> ColumnGuess:
        if self._deferred:
            self._apply_deferred()
        chosen = self._choose()
        candidate = self.candidates.get(chosen, _Candidate(ok=self.nonempty))
        ok = candidate.ok if chosen is not FieldType.TEXT else self.nonempty
        bad = self.nonempty - ok
        examples = candidate.examples if chosen is not FieldType.TEXT else []
        unit = ""
        if chosen in (FieldType.INTEGER, FieldType.DECIMAL) and self.units:
            unit = self.units.most_common(1)[0][0]
        total = self.nonempty
        parts: list[Message | str] = [
            Message(
                gettext_noop("%(type)s, %(ok)s of %(total)s values"),
                type=type_name(chosen),
                ok=ok,
                total=total,
            )
        ]
        if bad:
            shown = MessageList(
                [
                    Message(gettext_noop("row %(row)s '%(text)s'"), row=row, text=value)
                    for row, value in examples
                ]
            )
            parts.append(Message(gettext_noop("; %(bad)s unparsable: %(shown)s"), bad=bad, shown=shown))
        if chosen is FieldType.TEXT and total:
            best = max(
                (c for t, c in self.candidates.items() if t is not FieldType.CODE),
                key=lambda c: c.ok,
                default=None,
            )
            if best is not None and best.ok:
                best_type = next(t for t, c in self.candidates.items() if c is best)
                share = best.ok * 100 // total
                parts.append(
                    Message(
                        gettext_noop(" (no type fits 95%%; best %(type)s %(share)s%%)"),
                        type=type_name(best_type),
                        share=share,
                    )
                )
        if unit:
            parts.append(Message(gettext_noop("; unit %(unit)s"), unit=unit))
        if self.empty:
            parts.append(Message(gettext_noop("; %(count)s empty"), count=self.empty))
        evidence = MessageList(parts, separator="")
        ja, en = evidence.render("ja"), evidence.render("en")
        issues = []
        if chosen in (FieldType.LATITUDE, FieldType.LONGITUDE) and ok >= 10 and self.dms >= 0.9 * ok:
            issues.append(
                Issue(
                    "dms_coordinates",
                    Message(
                        gettext_noop(
                            "Column '%(name)s' looks like degrees-minutes-seconds packed as a decimal (35.371269 = 35°37'12.69\"); used as decimal degrees the points would be far off"
                        ),
                        name=self.name,
                    ),
                )
            )
        return ColumnGuess(self.name, chosen, ok, bad, self.empty, list(examples), unit, ja, en, issues)


def _count_empty(values: Any) -> int:
    """How many values ``add`` would count as empty (``values``: a list, or an Arrow string array)."""
    if not isinstance(values, list):
        from .columnar import empty_mask

        if values.null_count == 0:
            return int(empty_mask(values).sum().as_py() or 0)
        values = values.to_pylist()
    if len(values) >= 64 and set(map(type, values)) == {str}:
        from .columnar import empty_mask  # Arrow, imported late: infer stays light for small uses

        return int(empty_mask(values).sum().as_py() or 0)  # type: ignore[arg-type]
    return sum(1 for v in values if is_empty_marker(v) or (isinstance(v, str) and not v.strip()))


class TypeTracker:
    """Consumes projected rows (one value per column) and guesses types.

    Memory is bounded: only counters and a few bad examples per column are kept.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._columns = [_ColumnState(name) for name in names]

    def add(self, row_number: int, values: list[object]) -> None:
        """Record one data row; ``row_number`` is the user-facing row number."""
        for state, value in zip(self._columns, values, strict=False):
            state.add(row_number, value)

    def add_columns(self, numbers: list[int], columns: list[Any]) -> None:
        """Record a batch of data rows given column by column (as ``plan.iter_record_batches`` gives them:
        lists, or Arrow string arrays)."""
        for state, values in zip(self._columns, columns, strict=False):
            state.add_many(numbers, values)

    def results(self) -> list[ColumnGuess]:
        return [state.guess() for state in self._columns]
