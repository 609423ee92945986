"""Detect the text encoding of CSV/TSV files published by Japanese municipalities.

Municipal portals publish UTF-8 (often with a BOM, because Excel needs it),
Shift_JIS as written by Excel (really CP932, Microsoft's superset with NEC
special characters such as ``①``) and, rarely, EUC-JP.  charset-normalizer alone
sometimes guesses exotic code pages for short Japanese samples, so we apply
strict rules first and only use it as a tie-break.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

SAMPLE_SIZE = 2 * 1024 * 1024
"""Bytes read from the start of a file to decide its encoding."""

_JAPANESE_CANDIDATES = ("cp932", "euc_jp")

# charset-normalizer / Python codec names mapped to the names we report.
_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "euc_jp": "euc_jp",
    "euc-jp": "euc_jp",
    "utf_8": "utf-8",
    "utf-8": "utf-8",
    "ascii": "utf-8",
}


def _read_sample(source: str | Path | bytes, size: int) -> tuple[bytes, bool]:
    """Return (sample, truncated) where truncated means the file is longer."""
    if isinstance(source, bytes | bytearray):
        return bytes(source[:size]), len(source) > size
    with open(source, "rb") as handle:
        data = handle.read(size + 1)
    return data[:size], len(data) > size


def decodes_strictly(sample: bytes, encoding: str, truncated: bool) -> bool:
    """True when ``sample`` decodes without error.

    When the sample was cut from a longer file, the last few bytes may be the
    start of a multibyte character; an error in the last 3 bytes is ignored
    then (an incremental decoder without ``final`` does exactly that).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(sample, final=not truncated)
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(sample) - 3:
            try:
                codecs.decode(sample[: exc.start], encoding)
            except UnicodeDecodeError:
                return False
            return True
        return False
    return True


def _japanese_score(text: str) -> float:
    """Share of characters that are typical of Japanese documents.

    Used to break a tie between CP932 and EUC-JP when both decode: the wrong
    one produces many half-width katakana and rare symbols.
    """
    if not text:
        return 0.0
    good = 0
    for char in text:
        code = ord(char)
        if (
            code < 0x80
            or 0x3000 <= code <= 0x30FF  # punctuation, hiragana, katakana
            or 0x4E00 <= code <= 0x9FFF  # common CJK ideographs
            or 0xFF01 <= code <= 0xFF5E  # full-width ASCII
        ):
            good += 1
    return good / len(text)


def _tie_break(sample: bytes) -> str:
    """Choose between CP932 and EUC-JP when both decode the sample."""
    best = from_bytes(sample, cp_isolation=list(_JAPANESE_CANDIDATES)).best()
    if best is not None:
        name = _ALIASES.get(best.encoding.lower())
        if name in _JAPANESE_CANDIDATES:
            return name
    scores = {enc: _japanese_score(sample.decode(enc, errors="ignore")) for enc in _JAPANESE_CANDIDATES}
    return max(scores, key=lambda enc: scores[enc])


def detect_encoding(source: str | Path | bytes, sample_size: int = SAMPLE_SIZE) -> str:
    """Return the encoding of a text file or byte sample.

    Order of preference (first match wins):

    1. a UTF-8 BOM → ``"utf-8-sig"`` (a UTF-16 BOM → ``"utf-16"``);
    2. the sample decodes strictly as UTF-8 → ``"utf-8"`` (plain ASCII too);
    3. exactly one of CP932 / EUC-JP decodes → that one; both → tie-break with
       charset-normalizer, then a Japanese-character score;
    4. none decodes: charset-normalizer's guess if it is a known Japanese or
       UTF encoding with little chaos, otherwise the candidate with the fewest
       undecodable bytes, so that the reader can report the bad line.

    Shift_JIS is always reported as ``"cp932"``.
    """
    sample, truncated = _read_sample(source, sample_size)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if decodes_strictly(sample, "utf-8", truncated):
        return "utf-8"
    ok = [enc for enc in _JAPANESE_CANDIDATES if decodes_strictly(sample, enc, truncated)]
    if len(ok) == 1:
        return ok[0]
    if len(ok) == 2:
        return _tie_break(sample)
    best = from_bytes(sample).best()
    if best is not None and best.chaos < 0.1:
        name = _ALIASES.get(best.encoding.lower())
        if name is not None:
            return name
    errors = {
        enc: sample.decode(enc, errors="replace").count("\ufffd") for enc in ("utf-8", *_JAPANESE_CANDIDATES)
    }
    return min(errors, key=lambda enc: errors[enc])
