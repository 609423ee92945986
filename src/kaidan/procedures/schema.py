"""The fields of a procedure's form, as data: kinds, definitions, and the one parse of an answer.

A field definition is a plain dict in `ProcedureVersion.fields` (and `Procedure.draft_fields`);
`FieldDef` is its typed form. Answers are parsed by kaidan.values — the same parsers imports and the grid
use — so "令和6年4月1日", "R6.4.1", "０３−１２３４−５６７８" and "１５４－０００１" are read alike everywhere.
`parse_answer` raises `AnswerError(code, example)`; the form layer turns the code into a translated message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from kaidan.values.messages import Message, gettext_noop
from kaidan.values.normalize import normalize_text, parse_phone, parse_postal_code
from kaidan.values.personal import is_email
from kaidan.values.types import FieldType, convert
from kaidan.values.wareki import ERAS


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    KANA = "kana"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    CHECKBOX = "checkbox"
    ADDRESS = "address"
    PHONE = "phone"
    EMAIL = "email"
    FILE = "file"
    CONSENT = "consent"


STORED_TYPE: dict[Kind, FieldType] = {
    Kind.TEXT: FieldType.TEXT,
    Kind.LONG_TEXT: FieldType.TEXT,
    Kind.KANA: FieldType.TEXT,
    Kind.NUMBER: FieldType.INTEGER,
    Kind.DATE: FieldType.DATE,
    Kind.CHOICE: FieldType.TEXT,
    Kind.CHECKBOX: FieldType.BOOLEAN,
    Kind.ADDRESS: FieldType.TEXT,
    Kind.PHONE: FieldType.PHONE,
    Kind.EMAIL: FieldType.TEXT,
    Kind.FILE: FieldType.TEXT,
    Kind.CONSENT: FieldType.BOOLEAN,
}
"""The type of each kind's column in the procedure's dataset."""

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
RESERVED_KEYS = frozenset(
    {
        "receipt",
        "status",
        "submitted_at",
        "version",
        "channel",
        "email",
        "contact_email",
        "website",
        "started",
    }
)
"""Column names the dataset of every procedure already has, and the form's own fields."""
MAX_TEXT = 2000


@dataclass
class FieldDef:
    key: str
    kind: Kind
    label: str
    help: str = ""
    required: bool = False
    choices: list[str] = field(default_factory=list)
    section: str = ""
    show_if_field: str = ""
    show_if_value: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldDef:
        return cls(
            key=str(data["key"]),
            kind=Kind(data["kind"]),
            label=str(data.get("label", "")),
            help=str(data.get("help", "")),
            required=bool(data.get("required", False)),
            choices=[str(c) for c in data.get("choices", [])],
            section=str(data.get("section", "")),
            show_if_field=str(data.get("show_if_field", "")),
            show_if_value=str(data.get("show_if_value", "")),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data

    @property
    def conditional(self) -> bool:
        return bool(self.show_if_field)


def load(fields: list[dict[str, Any]]) -> list[FieldDef]:
    return [FieldDef.from_dict(f) for f in fields]


def problems(defs: list[FieldDef]) -> list[Message]:
    """What is wrong with a list of definitions (messages for the catalogue); empty when publishable."""
    found: list[Message] = []
    seen: dict[str, FieldDef] = {}
    for d in defs:
        if not KEY_RE.fullmatch(d.key) or d.key in RESERVED_KEYS or "__" in d.key:
            found.append(
                Message(
                    gettext_noop(
                        "field '%(label)s': the machine name '%(value)s' is not allowed "
                        "(lower-case letters, digits and _, starting with a letter)"
                    ),
                    label=d.label,
                    value=d.key,
                )
            )
        if d.key in seen:
            found.append(Message(gettext_noop("the machine name '%(value)s' is used twice"), value=d.key))
        if not d.label.strip():
            found.append(Message(gettext_noop("field '%(value)s' has no label"), value=d.key))
        if d.kind is Kind.CHOICE and len(d.choices) < 2:
            found.append(
                Message(gettext_noop("choice '%(label)s' needs at least two options"), label=d.label)
            )
        if d.show_if_field and d.show_if_field not in seen:
            found.append(
                Message(
                    gettext_noop("field '%(label)s': its condition must name an earlier field (%(value)s)"),
                    label=d.label,
                    value=d.show_if_field,
                )
            )
        seen[d.key] = d
    return found


class AnswerError(ValueError):
    """An answer that does not fit its field. `code` names the rule (the form translates it)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


_KANA_RE = re.compile(r"[\u30a0-\u30ff\u3040-\u309f\s・ー]+")


def to_katakana(text: str) -> str:
    """Hiragana → katakana, half-width → full-width (a resident may type either)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in text)


def visible(d: FieldDef, answers: dict[str, Any]) -> bool:
    """Is the field shown, given the other answers ("show if field X = value")?"""
    if not d.show_if_field:
        return True
    other = answers.get(d.show_if_field)
    if isinstance(other, bool):
        return other == (d.show_if_value.strip().lower() in {"true", "1", "yes", "はい", "on"})
    return str(other or "") == d.show_if_value


def parse_answer(d: FieldDef, raw: Any) -> Any:
    """The stored (JSON-able) form of one answer; None when empty. Raises AnswerError."""
    if d.kind in (Kind.CHECKBOX, Kind.CONSENT):
        value = bool(raw)
        if d.required and not value:
            raise AnswerError("consent" if d.kind is Kind.CONSENT else "required")
        return value
    if d.kind is Kind.ADDRESS:
        postal_raw, line_raw = (raw or ("", "")) if isinstance(raw, tuple | list) else ("", raw or "")
        line = normalize_text(line_raw) if str(line_raw).strip() else ""
        postal = ""
        if str(postal_raw).strip():
            try:
                postal = parse_postal_code(postal_raw)
            except ValueError:
                raise AnswerError("postal_code") from None
        if not line and not postal:
            if d.required:
                raise AnswerError("required")
            return None
        if d.required and not line:
            raise AnswerError("address")
        return {"postal_code": postal, "address": line}
    text = "" if raw is None else str(raw)
    if not text.strip():
        if d.required:
            raise AnswerError("required")
        return None
    if len(text) > MAX_TEXT:
        raise AnswerError("too_long")
    if d.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.FILE):
        return normalize_text(text) if d.kind is not Kind.LONG_TEXT else text.strip()
    if d.kind is Kind.KANA:
        kana = to_katakana(text.strip())
        if not _KANA_RE.fullmatch(kana):
            raise AnswerError("kana")
        return kana
    if d.kind is Kind.NUMBER:
        try:
            return convert(text, FieldType.INTEGER)
        except (ValueError, ArithmeticError):
            raise AnswerError("number") from None
    if d.kind is Kind.DATE:
        try:
            parsed = convert(text, FieldType.DATE)
        except (ValueError, ArithmeticError):
            raise AnswerError("date") from None
        assert isinstance(parsed, date)
        return parsed.isoformat()
    if d.kind is Kind.CHOICE:
        if text not in d.choices:
            raise AnswerError("choice")
        return text
    if d.kind is Kind.PHONE:
        try:
            return parse_phone(text)
        except ValueError:
            raise AnswerError("phone") from None
    if d.kind is Kind.EMAIL:
        address = unicodedata.normalize("NFKC", text).strip()
        if not is_email(address):
            raise AnswerError("email")
        return address
    raise AnswerError("unknown")  # pragma: no cover - every kind is handled above


def stored_value(d: FieldDef, answer: Any) -> Any:
    """The answer as the dataset column's Python value (addresses as one line: 〒154-0001 住所)."""
    if answer is None:
        return None
    if d.kind is Kind.ADDRESS:
        postal = answer.get("postal_code") or ""
        return (f"〒{postal} " if postal else "") + (answer.get("address") or "")
    if d.kind is Kind.DATE:
        return date.fromisoformat(answer)
    if d.kind is Kind.FILE and isinstance(answer, dict):
        return answer.get("filename")
    return answer


def wareki(day: date) -> str:
    """令和8年12月10日: how the resident wrote it on paper (元年 for the first year)."""
    for era in reversed(ERAS):
        if era.start <= day:
            year = day.year - era.start.year + 1
            return f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return day.isoformat()


def display_value(d: FieldDef, answer: Any, yes: str, no: str) -> str:
    """The answer as a resident or a clerk reads it on a page (`yes`/`no` already translated)."""
    if answer is None or answer == "":
        return ""
    if d.kind in (Kind.CHECKBOX, Kind.CONSENT):
        return yes if answer else no
    if d.kind is Kind.FILE:
        return str(answer.get("filename", "")) if isinstance(answer, dict) else str(answer)
    if d.kind is Kind.ADDRESS and isinstance(answer, dict):
        return str(stored_value(d, answer))
    if d.kind is Kind.DATE:
        try:
            return f"{wareki(date.fromisoformat(str(answer)))}（{answer}）"
        except ValueError:
            return str(answer)
    return str(answer)
