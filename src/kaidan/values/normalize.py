"""Normalisation and value parsers for Japanese municipal data.

Each parser is a small pure function that raises ``ValueError`` with a reason
(English / Japanese) when the value cannot be read, so the type tracker can
quote it back to the user.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .messages import Message, ValueProblem, gettext_noop

EMPTY_MARKERS: frozenset[str] = frozenset(
    {
        "",
        "-",  # ASCII hyphen-minus
        "－",  # U+FF0D full-width hyphen-minus
        "−",  # U+2212 minus sign
        "‐",  # U+2010 hyphen
        "―",  # U+2015 horizontal bar
        "—",  # U+2014 em dash
        "–",  # U+2013 en dash
        "ー",  # U+30FC prolonged sound mark, only when it is the whole value
        "ｰ",  # U+FF70 half-width prolonged sound mark
        "*",
        "＊",
        "…",
        "‥",
        "・",
        "･",
        "※",
        "空欄",
        "該当なし",
        "N/A",
        "n/a",
        "#N/A",
        "NA",
        "null",
        "NULL",
    }
)
"""Values meaning "no value" in municipal tables, compared after stripping.

``なし``/``無し``/``無`` are deliberately absent: they are real answers in
yes/no columns and real text elsewhere.
"""

# JIS-mapped characters and the CP932 (Windows) characters the same bytes
# decode to.  We normalise to the CP932 form so that text read from a UTF-8
# file equals the same text read from a CP932 file, and stays encodable in
# CP932 when exported again.
_JIS_TO_CP932 = str.maketrans(
    {
        "\u2212": "\uff0d",  # − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
        "\u301c": "\uff5e",  # 〜 WAVE DASH → ～ FULLWIDTH TILDE
        "\u2016": "\u2225",  # ‖ → ∥
        "\u2014": "\u2015",  # — EM DASH → ― HORIZONTAL BAR
        "\u00a2": "\uffe0",  # ¢ → ￠
        "\u00a3": "\uffe1",  # £ → ￡
        "\u00ac": "\uffe2",  # ¬ → ￢
    }
)
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")
_STRIP = " \t\r\n\u3000\u00a0\ufeff"


def _stringify(value: object) -> str:
    """The value as text, without NUL characters: a NUL in a file is never data (and PostgreSQL text cannot
    hold one, so keeping it would make the same file import on SQLite and fail on PostgreSQL)."""
    return "" if value is None else str(value).replace("\x00", "")


def is_empty_marker(value: object) -> bool:
    """True for ``None``, blank strings and the markers in ``EMPTY_MARKERS``."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return value.strip(_STRIP) in EMPTY_MARKERS


def normalize_text(value: object) -> str:
    """Normalise free text conservatively.

    Half-width katakana (``ｺﾏｴ``) become full-width (``コマエ``) by applying NFKC
    to that range only (NFKC everywhere would also rewrite ``①`` and full-width
    digits users typed on purpose).  JIS/CP932 look-alikes are unified to the
    CP932 form (``−`` U+2212 becomes ``－`` U+FF0D), newlines become ``\\n``,
    and surrounding whitespace (full-width spaces too) is stripped.
    """
    text = _stringify(value)
    text = _HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = text.translate(_JIS_TO_CP932)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip(_STRIP)


def normalize_code(value: object) -> str:
    """Identifiers and codes: NFKC (full-width digits/letters to ASCII), strip."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", _stringify(value)).strip(_STRIP)


@dataclass(frozen=True)
class ParsedNumber:
    """A number and the unit written after it (``%``, ``円``, ``人`` …), if any."""

    value: int | Decimal
    unit: str = ""


_NUMBER = re.compile(
    r"^(?P<sign>[-+△▲]?)\s*(?P<cur>[¥￥$])?\s*(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)"
    r"\s*(?P<unit>%|[\u4e00-\u9fff\u3005]{1,2}|[ぁ-ゖァ-ヺ]{1,2})?$"
)


def parse_number_ex(value: object) -> ParsedNumber:
    """Parse a number written by hand and report its unit.

    Accepts ``1,234``, ``１，２３４``, ``△100``/``▲100`` (Japanese accounting
    negatives), ``¥1,000``, ``1,000円``, ``100人``, ``3件``, ``1.2e3`` and
    ``12.5%``.  Percentages keep their written value (``12.5``, not
    ``0.125``) with unit ``%``, so the figure a user sees stays the same.
    Parenthesised negatives ``(100)`` are not accepted.
    """
    if isinstance(value, bool):
        raise ValueProblem(Message(gettext_noop("a yes/no value, not a number")))
    if isinstance(value, int):
        return ParsedNumber(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueProblem(Message(gettext_noop("not a finite number")))
        return ParsedNumber(int(value) if value.is_integer() else Decimal(repr(value)))
    if isinstance(value, Decimal):
        return ParsedNumber(value)
    if not isinstance(value, str):
        raise ValueProblem(Message(gettext_noop("not a number")))
    text = unicodedata.normalize("NFKC", value).strip()
    text = text.replace("−", "-").replace("‐", "-").replace("ー", "-")
    match = _NUMBER.match(text)
    if match is None:
        raise ValueProblem(Message(gettext_noop("not a number")))
    digits = match.group("num").replace(",", "")
    negative = match.group("sign") in ("-", "△", "▲")
    unit = match.group("unit") or ("円" if match.group("cur") in ("¥", "￥") else "")
    if match.group("cur") == "$":
        unit = "$"
    try:
        if re.fullmatch(r"\d+", digits):
            number: int | Decimal = int(digits)
        else:
            number = Decimal(digits)
            if "e" in digits.lower() and number == number.to_integral_value():
                number = int(number)
    except InvalidOperation:
        raise ValueProblem(Message(gettext_noop("not a number"))) from None
    return ParsedNumber(-number if negative else number, unit)


def plain_decimal(value: Decimal) -> Decimal:
    """A decimal without trailing zeros and without an exponent for whole numbers (38.0000 → 38, 12.50 → 12.5)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def parse_number(value: object) -> int | Decimal:
    """The value of :func:`parse_number_ex` without the unit."""
    return parse_number_ex(value).value


_TRUE = frozenset({"○", "〇", "◯", "●", "有", "有り", "あり", "はい", "true", "yes", "y", "可", "対象", "1"})
_FALSE = frozenset({"×", "✕", "✖", "無", "無し", "なし", "いいえ", "false", "no", "n", "不可", "対象外", "0"})


def parse_bool(value: object, *, allow_digits: bool = True) -> bool:
    """Parse ○/〇/×/✕, 有/無, あり/なし, はい/いいえ, true/false, yes/no, 可/不可, 1/0.

    ``allow_digits=False`` rejects 1/0: the type tracker only accepts them when
    the column otherwise holds yes/no words (else it is an integer column).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        if not allow_digits:
            raise ValueProblem(Message(gettext_noop("1/0 alone is not read as yes/no")))
        return bool(value)
    text = unicodedata.normalize("NFKC", _stringify(value)).strip().lower()
    text = {"\u00d7": "×"}.get(text, text)
    if not allow_digits and text in ("1", "0"):
        raise ValueProblem(Message(gettext_noop("1/0 alone is not read as yes/no")))
    if text in _TRUE or _stringify(value).strip() in _TRUE:
        return True
    if text in _FALSE or text == "x" or _stringify(value).strip() in _FALSE:
        return False
    raise ValueProblem(Message(gettext_noop("not a yes/no value")))


_POSTAL = re.compile(r"^(?:〒|郵便番号)?\s*(\d{3})\s*-?\s*(\d{4})$")


def parse_postal_code(value: object) -> str:
    """``〒154-0001``, ``1540001``, ``１５４－０００１`` → ``"154-0001"``."""
    text = unicodedata.normalize("NFKC", normalize_code(value)).replace("−", "-").replace("‐", "-")
    text = text.replace("ー", "-")
    match = _POSTAL.match(text)
    if match is None:
        raise ValueProblem(Message(gettext_noop("not a postal code (NNN-NNNN)")))
    return f"{match.group(1)}-{match.group(2)}"


_PHONE_SEPARATED = re.compile(r"^\(?(0\d{0,4})\)?[-\s]?(\d{1,4})-(\d{3,4})$")
_PHONE_PAREN = re.compile(r"^\((0\d{0,4})\)\s*(\d{1,4})[-\s]?(\d{3,4})$")
_PHONE_DIGITS = re.compile(r"^0\d{9,10}$")


def parse_phone(value: object) -> str:
    """Normalise a Japanese phone number and keep it as text.

    ``０３－５４３２－１１１１`` → ``03-5432-1111``; ``(054)626-1139`` →
    ``054-626-1139``.  A plain run of 10–11 digits starting with 0 is kept
    unhyphenated (its area-code split cannot be known without a table).
    """
    text = normalize_code(value)
    for dash in ("−", "‐", "ー", "―", "–", "—"):
        text = text.replace(dash, "-")
    text = re.sub(r"^(?:TEL|電話|☎)[:\s]*", "", text, flags=re.IGNORECASE)
    for pattern in (_PHONE_PAREN, _PHONE_SEPARATED):
        if match := pattern.match(text):
            return "-".join(match.groups())
    if _PHONE_DIGITS.match(text):
        return text
    raise ValueProblem(Message(gettext_noop("not a phone number")))


_LAT_TOKENS = frozenset({"lat", "latitude"})
_LON_TOKENS = frozenset({"lon", "lng", "long", "longitude"})


def coordinate_kind(column_name: str) -> str | None:
    """``"latitude"``/``"longitude"`` when the column name says so, else None.

    Japanese names match anywhere (``所在地_緯度``); English ones as a word
    (``lat``, ``location_lng``) so that ``latest`` or ``along`` do not match.
    """
    name = unicodedata.normalize("NFKC", column_name).strip().lower()
    tokens = set(re.split(r"[^a-z0-9]+", name))
    if "緯度" in name or tokens & _LAT_TOKENS:
        return "latitude"
    if "経度" in name or tokens & _LON_TOKENS:
        return "longitude"
    return None


def _coordinate(value: object, limit: int, label: str) -> Decimal:
    number = parse_number_ex(value)
    if number.unit:
        raise ValueProblem(Message(gettext_noop("a value with a unit, not a %(kind)s"), kind=Message(label)))
    result = Decimal(number.value)
    if not -limit <= result <= limit:
        raise ValueProblem(
            Message(
                gettext_noop("outside ±%(limit)s, not a %(kind)s"),
                limit=limit,
                kind=Message(label),
            )
        )
    return result


def parse_latitude(value: object) -> Decimal:
    """A decimal latitude in [-90, 90]."""
    return _coordinate(value, 90, "latitude")


def parse_longitude(value: object) -> Decimal:
    """A decimal longitude in [-180, 180]."""
    return _coordinate(value, 180, "longitude")
