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

import functools
import operator
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
SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
DASH_CHARS = "‐‑‒–—―−ｰ－﹣⁃"
DASHES = re.compile(f"[{DASH_CHARS}]")
SPACES = re.compile(r"\s+")
DIGIT_DASH = re.compile(r"(?<=\d)ー(?=\d)")
TOKEN_CHARS = re.compile(r"\w", re.UNICODE)


def _fold_table() -> dict[int, int | str | None]:
    """NFKC-independent folds as one str.translate table: katakana → hiragana, itaiji, small kana, 〒 and the
    long-vowel mark removed, dash variants to "-" (one C-level pass instead of a Python loop per character)."""
    table: dict[int, int | str | None] = {}
    for code in range(ord("ァ"), ord("ヶ") + 1):
        table[code] = chr(code - 0x60).translate(SMALL_KANA)
    table.update(ITAIJI)
    table.update(SMALL_KANA)
    table.update({ord("〒"): None, ord("ー"): None})
    table.update({ord(c): "-" for c in DASH_CHARS})
    return table


FOLD = _fold_table()


def normalize(text: object) -> str:
    """The searchable form of a text (see the module docstring)."""
    value = unicodedata.normalize("NFKC", str(text or "")).casefold()
    if "ー" in value:
        value = DIGIT_DASH.sub("-", value)  # 03ー1234ー5678: a long-vowel mark typed as a dash between digits
    return SPACES.sub(" ", value.translate(FOLD)).strip()


def _normalize_reference(text: object) -> str:
    """The step-by-step definition `normalize` computes in one pass (kept for the test that compares them)."""
    value = unicodedata.normalize("NFKC", str(text or "")).casefold()
    value = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in value)  # katakana → hiragana
    value = value.translate(ITAIJI).translate(SMALL_KANA)
    value = DIGIT_DASH.sub("-", value)
    value = value.replace("〒", "").replace("ー", "")
    value = DASHES.sub("-", value)
    return SPACES.sub(" ", value).strip()


WORD = re.compile(r"[^\W_]+")
"""Word characters: letters and digits of any script (the underscore separates, as in FTS5's tokenizer)."""


def _chunks(text: str) -> list[str]:
    """Runs of word characters (letters, digits, kana, kanji); punctuation and spaces separate them."""
    return WORD.findall(text)


def words(normalized: str) -> str:
    """The normalized text's runs of word characters joined by single spaces: what the index stores and the
    exact check reads (punctuation counts as a space), and what each database cuts into tokens by spaces
    alone (kaidan.search.tokens), so SQLite and PostgreSQL index the very same tokens."""
    return " ".join(WORD.findall(normalized))


def unigrams(normalized: str) -> str:
    return " ".join(c for chunk in _chunks(normalized) for c in chunk)


def bigrams(normalized: str) -> str:
    tokens: list[str] = []
    for chunk in _chunks(normalized):
        if len(chunk) == 1:
            continue
        tokens.extend(chunk[i : i + 2] for i in range(len(chunk) - 1))
    return " ".join(tokens)


def index_tokens(words_text: str) -> list[str]:
    """The index's tokens of a words text (see `words`): every character (for 1-character queries) and every
    pair of neighbouring characters inside a word, each once, in first-seen order."""
    tokens = dict.fromkeys(words_text.replace(" ", ""))
    for chunk in words_text.split(" "):
        tokens.update(dict.fromkeys(map(operator.add, chunk, chunk[1:])))
    return list(tokens)


@dataclass(frozen=True)
class Term:
    text: str
    """Normalized; a phrase may hold spaces."""
    negated: bool = False

    @functools.cached_property
    def chunks(self) -> list[str]:
        return _chunks(self.text)

    @functools.cached_property
    def words(self) -> str:
        return " ".join(self.chunks)


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

    def matches_all(self, normalized_texts: list[str], *, normalized: bool = False) -> bool:
        """For a record: every group is met by some cell, and no cell holds an excluded term (`normalized`:
        the texts are already `words`, as the index stores them)."""
        texts = normalized_texts if normalized else [words(t) for t in normalized_texts]
        for excluded in self.excluded:
            for text in texts:
                if excluded.words in text:
                    return False
        for group in self.groups:  # plain loops: this runs for every candidate record
            if not any(_contains(text, t) for t in group for text in texts):
                return False
        return True

    def matches(self, normalized_text: str) -> bool:
        """The exact test every candidate must pass (the index only proposes); `normalized_text` is a
        normalized text or its `words` (punctuation counts as a space in a phrase)."""
        text = words(normalized_text)
        if any(t.words in text for t in self.excluded):
            return False
        return all(any(_contains(text, t) for t in group) for group in self.groups)


def _contains(words_text: str, term: Term) -> bool:
    for chunk in term.chunks:
        if chunk not in words_text:
            return False
    return " " not in term.text or term.words in words_text


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


def term_tokens(term: Term) -> list[str]:
    """The index tokens every text holding the term holds: each 1-character chunk, and the bigrams of the
    longer chunks (a superset of candidates; the exact check decides)."""
    found: dict[str, None] = {}
    for chunk in term.chunks:
        if len(chunk) == 1:
            found[chunk] = None
        for i in range(len(chunk) - 1):
            found[chunk[i : i + 2]] = None
    return list(found)


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
