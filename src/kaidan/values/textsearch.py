"""Japanese text for search: one normalization, character unigrams and bigrams as tokens, and queries.

Japanese has no spaces between words, so word tokenizers (FTS5 `unicode61`) miss a 2-character word inside a
sentence (相談, 空家, 介護), and trigram indexes cannot match under 3 characters. Kaidan indexes every text as
overlapping character bigrams (plus unigrams, for 1-character queries), space-separated, so each database's
own full-text machinery (FTS5 on SQLite, a `simple` tsvector with GIN on PostgreSQL) finds them, and the same
query gives the same answers on both (DESIGN.md, Round 2). A query becomes a phrase of bigrams; candidates are
confirmed against the normalized text, so there are no false hits.

Normalization (applied to texts and queries alike): NFKC (full/half width), case folding, katakana to
hiragana, common itaiji to their usual form (髙→高, 﨑→崎, 邊→辺 …), small kana to full size, the long-vowel
mark removed (サーバ = サーバー), hyphen and 〒 variants unified, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

ITAIJI = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "邊": "辺",
        "邉": "辺",
        "濵": "浜",
        "濱": "浜",
        "德": "徳",
        "澤": "沢",
        "齋": "斉",
        "齊": "斉",
        "斎": "斉",
        "國": "国",
        "會": "会",
        "廣": "広",
        "榮": "栄",
        "藏": "蔵",
        "眞": "真",
        "學": "学",
        "舘": "館",
        "塚": "塚",
        "冨": "富",
        "槇": "槙",
        "檜": "桧",
    }
)
KATAKANA_TO_HIRAGANA = str.maketrans({chr(c): chr(c - 0x60) for c in range(ord("ァ"), ord("ヶ") + 1)})
SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")


def _composed() -> dict[int, str]:
    """katakana → hiragana, then itaiji, then small kana, as one table (one pass over the text)."""
    keys = {*KATAKANA_TO_HIRAGANA, *ITAIJI, *SMALL_KANA}
    table: dict[int, str] = {}
    for key in keys:
        char = chr(key).translate(KATAKANA_TO_HIRAGANA).translate(ITAIJI).translate(SMALL_KANA)
        if char != chr(key):
            table[key] = char
    return table


FOLD = _composed()
NEEDS_FOLD = re.compile("[" + re.escape("".join(chr(k) for k in FOLD)) + "]")
DASHES = re.compile(r"[‐‑‒–—―−ｰ－﹣⁃]")
SPACES = re.compile(r"\s+")
DIGIT_DASH = re.compile(r"(?<=\d)ー(?=\d)")
TOKEN_CHARS = re.compile(r"\w", re.UNICODE)


def normalize(text: object) -> str:
    """The searchable form of a text (see the module docstring)."""
    value = unicodedata.normalize("NFKC", str(text or "")).casefold()
    if NEEDS_FOLD.search(value):  # most texts have none of these characters: skip the (slower) translate
        value = value.translate(FOLD)
    value = DIGIT_DASH.sub("-", value)  # 03ー1234ー5678: a long-vowel mark typed as a dash between digits
    value = value.replace("〒", "").replace("ー", "")
    value = DASHES.sub("-", value)
    return SPACES.sub(" ", value).strip()


def _chunks(text: str) -> list[str]:
    """Runs of word characters (letters, digits, kana, kanji); punctuation and spaces separate them."""
    return re.findall(r"\w+", text)


def unigrams(normalized: str) -> str:
    return " ".join(c for chunk in _chunks(normalized) for c in chunk)


def bigrams(normalized: str) -> str:
    tokens: list[str] = []
    for chunk in _chunks(normalized):
        if len(chunk) == 1:
            continue
        tokens.extend(chunk[i : i + 2] for i in range(len(chunk) - 1))
    return " ".join(tokens)


@dataclass(frozen=True)
class Term:
    text: str
    """Normalized; a phrase may hold spaces."""
    negated: bool = False

    @property
    def chunks(self) -> list[str]:
        return _chunks(self.text)


@dataclass
class Query:
    """AND of groups; each group is an OR of terms (`相談 空家`, `"高齢 者"`, `介護 OR 福祉`, `-廃止`)."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups

    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    def matches_all(self, normalized_texts: list[str]) -> bool:
        """For a record: every group is met by some cell, and no cell holds an excluded term."""
        if any(t.text in text for t in self.excluded for text in normalized_texts):
            return False
        return all(
            any(_contains(text, t) for t in group for text in normalized_texts) for group in self.groups
        )

    def matches(self, normalized_text: str) -> bool:
        """The exact test every candidate must pass (the index only proposes)."""
        if any(t.text in normalized_text for t in self.excluded):
            return False
        return all(any(_contains(normalized_text, t) for t in group) for group in self.groups)


def _contains(normalized_text: str, term: Term) -> bool:
    return all(chunk in normalized_text for chunk in term.chunks) and (
        " " not in term.text or term.text in normalized_text
    )


def parse(text: str) -> Query:
    query = Query()
    pending_or = False
    for match in re.finditer(r'(-?)"([^"]*)"|(\S+)', text):
        negated = bool(match.group(1))
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        if match.group(3) == "OR":
            pending_or = True
            continue
        if match.group(3) is not None and raw.startswith("-") and len(raw) > 1:
            negated, raw = True, raw[1:]
        term = Term(normalize(raw), negated)
        if not term.chunks:
            continue
        if negated:
            query.excluded.append(term)
        elif pending_or and query.groups:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    return query


def fts_tokens(term: Term) -> list[tuple[str, list[str]]]:
    """For each chunk of a term: the index column and the token phrase that finds it."""
    found = []
    for chunk in term.chunks:
        if len(chunk) == 1:
            found.append(("uni", [chunk]))
        else:
            found.append(("bi", [chunk[i : i + 2] for i in range(len(chunk) - 1)]))
    return found


def snippet(text: str, query: Query, width: int = 60) -> tuple[str, str, str]:
    """(before, match, after) around the first hit, in the original text when it can be found."""
    original = str(text or "")
    folded = normalize(original)
    for term in query.terms():
        for chunk in term.chunks:
            at = folded.find(chunk)
            if at >= 0 and len(folded) == len(unicodedata.normalize("NFKC", original).casefold()):
                source = unicodedata.normalize("NFKC", original)
                start = max(0, at - width // 2)
                return source[start:at], source[at : at + len(chunk)], source[at + len(chunk) : at + width]
            if at >= 0:
                start = max(0, at - width // 2)
                return folded[start:at], folded[at : at + len(chunk)], folded[at + len(chunk) : at + width]
    return original[:width], "", ""
