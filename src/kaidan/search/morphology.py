"""Morphological analysis (SudachiPy with sudachidict-core) for ranking and suggestions — never for recall.

Which records match is decided by character bigrams and the exact check (kaidan.values.textsearch), so a
word the dictionary splits oddly is still found. The analyser only helps on top of that:

- **ranking**: a cell in which the query is a whole word (京都 in 「京都市の相談」) comes before one in which
  it is part of another word (京都 inside 東京都), and a cell that *is* the query comes first;
- **suggestions**: a query with no hits is offered again as its words (介護保険料 → 介護 保険 料, which finds
  「介護保険の保険料」) or in the dictionary's normal spelling (シュミレーション → シミュレーション,
  附属 → 付属), each offered only when it has hits.

The dictionary is loaded on first use (about a second, memory-mapped); without SudachiPy installed ranking
falls back to row order and nothing is suggested.
"""

from __future__ import annotations

import functools
from typing import Any

from kaidan.values.textsearch import normalize

CONTENT = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "接尾辞", "接頭辞"}
"""Parts of speech kept as words (particles and punctuation are not words to search for)."""


@functools.cache
def _tokenizer() -> Any:
    try:
        from sudachipy import Dictionary, SplitMode
    except ImportError:  # pragma: no cover - SudachiPy is a pinned dependency; this is the fallback
        return None
    return Dictionary(dict="core").tokenizer(SplitMode.A)


def available() -> bool:
    return _tokenizer() is not None


@functools.lru_cache(maxsize=20_000)
def words(text: str) -> tuple[str, ...]:
    """The normalized content words of a text (short unit), for ranking."""
    tokenizer = _tokenizer()
    if tokenizer is None or not text:
        return ()
    return tuple(
        normalize(m.surface()) for m in tokenizer.tokenize(text[:2000]) if m.part_of_speech()[0] in CONTENT
    )


def rank(term_texts: list[str], cell_text: str, cell_norm: str) -> int:
    """Higher first: the cell is the query (3), the query is a whole word of it (2), a part of a word (1)."""
    if any(cell_norm == t for t in term_texts):
        return 3
    cell_words = set(words(cell_text))
    if any(t in cell_words for t in term_texts):
        return 2
    return 1


def suggestions(text: str) -> list[str]:
    """Other ways to write a one-word query: its words apart, and its words in their normal spelling."""
    tokenizer = _tokenizer()
    if tokenizer is None or not text.strip() or any(c in text for c in ' "　') or text.startswith("-"):
        return []
    morphemes = [m for m in tokenizer.tokenize(text) if m.part_of_speech()[0] in CONTENT]
    found: list[str] = []
    if len(morphemes) > 1:
        found.append(" ".join(m.surface() for m in morphemes))
    normal = "".join(m.normalized_form() for m in morphemes)
    if morphemes and normalize(normal) != normalize(text):
        found.append(normal)
    return found
