"""Morphological analysis ranks and suggests; it never decides what is found (bigrams and the exact check
do). A word that is a whole word of a cell comes first; a query without hits is offered as its words or in
its normal spelling, when those have hits."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kaidan.catalog.models import Dataset
from kaidan.search import morphology
from kaidan.search.selectors import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def voices(tmp_path, make_org, make_user):
    clerk = make_user("clerk", make_org("kucho", name="区長室"), role="manager")
    path = tmp_path / "voices.csv"
    path.write_text(
        "番号,内容\n"
        "1,東京都庁の窓口について\n"
        "2,京都市の窓口について\n"
        "3,京都\n"
        "4,介護保険の保険料について\n"
        "5,防災シミュレーションの結果\n",
        encoding="utf-8",
    )
    call_command("import", str(path), dataset="voices", org="kucho", yes=True, verbosity=0)
    return clerk, Dataset.objects.get(name="voices")


def shown(results) -> list[str]:
    return [h.before + h.match + h.after for h in results.hits["record"]]


def test_a_cell_that_is_the_word_comes_first_then_the_word_as_a_word_then_inside_another(voices):
    clerk, dataset = voices
    results = search("京都", actor=clerk, dataset=dataset)
    assert results.counts["record"] == 3  # all three are found: 東京都 holds 京都 too
    assert shown(results) == ["京都", "京都市の窓口について", "東京都庁の窓口について"]


def test_a_query_without_hits_is_offered_as_its_words_and_in_its_normal_spelling(voices):
    clerk, dataset = voices
    results = search("介護保険料", actor=clerk, dataset=dataset)
    assert results.total == 0
    assert results.suggestions == [("介護 保険 料", 1)]
    misspelt = search("シュミレーション", actor=clerk, dataset=dataset)
    assert misspelt.total == 0 and misspelt.suggestions == [("シミュレーション", 1)]


def test_suggestions_with_no_hits_are_not_offered_and_found_queries_get_none(voices):
    clerk, dataset = voices
    assert search("図書館利用料", actor=clerk, dataset=dataset).suggestions == []
    assert search("窓口", actor=clerk, dataset=dataset).suggestions == []


def test_the_analyser_reads_words_not_characters():
    assert morphology.available()
    assert morphology.words("京都市の相談") == ("京都", "市", "相談")
