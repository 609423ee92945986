"""Values that look like personal information (個人情報), for warnings before publishing and at import.

Pure Python, no Django. The detector looks at a column's label and at sample values:
- 個人番号 (My Number): 12 digits whose last digit is the check digit of the first eleven;
- phone numbers: Japanese fixed and mobile forms (03-1234-5678, (054)626-1139, 090-1234-5678, 0312345678);
- e-mail addresses;
- dates of birth: a date column labelled 生年月日/誕生日/birth…, in a table that also has a name column;
- labels that name personal data (氏名, 電話, メール, 個人番号, マイナンバー …); 住所 only in a table that also has a
  name column, since the address of a building (AED lists, 公共施設) is ordinary open data.
A hit is a *warning*: an institution's switchboard number is not personal, and a person decides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PHONE = re.compile(r"^\(?0[1-9]\d{0,3}\)?[-‐ ]?\d{1,4}[-‐ ]?\d{3,4}$")
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
NAME_LABELS = ("氏名", "名前", "姓名", "ふりがな", "フリガナ", "name")
BIRTH_LABELS = ("生年月日", "誕生日", "birth", "dob")
PERSONAL_LABELS = {
    "name": NAME_LABELS,
    "address": ("住所", "address"),
    "phone": ("電話", "携帯", "phone", "tel"),
    "email": ("メール", "mail"),
    "my_number": ("個人番号", "マイナンバー", "my number"),
}


def _norm(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def is_my_number(text: object) -> bool:
    """12 digits with a valid check digit (行政手続における特定の個人を識別するための番号の利用等に関する法律施行令)."""
    digits = re.sub(r"[\s-]", "", _norm(text))
    if not re.fullmatch(r"\d{12}", digits):
        return False
    body = [int(c) for c in digits[:11]]
    total = 0
    for n in range(1, 12):
        p = body[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def is_phone(text: object) -> bool:
    value = _norm(text)
    return bool(PHONE.match(value)) and 10 <= len(re.sub(r"\D", "", value)) <= 11


def is_email(text: object) -> bool:
    return bool(EMAIL.match(_norm(text)))


@dataclass
class Finding:
    column: str
    kind: str
    """my_number, phone, email, birth_date, or label:<kind> (the column's name says it)."""
    examples: list[str] = field(default_factory=list)
    count: int = 0


def mask(text: str) -> str:
    """An example shown in a warning, partly hidden: 090-****-5678, t***@example.jp."""
    value = _norm(text)
    if "@" in value:
        local, _at, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    hide = set(digits[3:-4]) if len(digits) > 7 else set(digits[1:-1])
    return "".join("*" if i in hide else c for i, c in enumerate(value))


def scan(columns: Sequence[tuple[str, str, Iterable[object]]], *, examples: int = 3) -> list[Finding]:
    """Findings for columns given as (label, value type, sample values)."""
    findings: list[Finding] = []
    labels = [_norm(label).casefold() for label, _type, _values in columns]
    has_names = any(any(n.casefold() in label for n in NAME_LABELS) for label in labels)
    tests = (("my_number", is_my_number), ("phone", is_phone), ("email", is_email))
    seen: dict[str, tuple[str, ...]] = {}  # text → the tests it passes (columns repeat their values a lot)
    for (label, kind, values), folded in zip(columns, labels, strict=True):
        by_kind: dict[str, Finding] = {}
        if kind in ("date", "datetime") and has_names and any(b.casefold() in folded for b in BIRTH_LABELS):
            by_kind["birth_date"] = Finding(label, "birth_date")
        for value in values:
            if value is None or str(value).strip() == "":
                continue
            text = str(value)
            passed = seen.get(text)
            if passed is None:
                passed = seen[text] = tuple(name for name, test in tests if test(text))
            for name in passed:
                found = by_kind.setdefault(name, Finding(label, name))
                found.count += 1
                if len(found.examples) < examples:
                    found.examples.append(mask(text))
            if "birth_date" in by_kind:
                found = by_kind["birth_date"]
                found.count += 1
                if len(found.examples) < examples:
                    found.examples.append(mask(text))
        if not by_kind:
            for name, hints in PERSONAL_LABELS.items():
                if name == "address" and not has_names:
                    continue
                if any(h.casefold() in folded for h in hints):
                    by_kind[f"label:{name}"] = Finding(label, f"label:{name}")
                    break
        findings.extend(by_kind.values())
    return findings
