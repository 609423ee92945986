"""The benchmark's query set, on a small corpus, as a specification: every query finds exactly the records
its words were planted in (recall 1.0, precision 1.0), in whichever form they were written. The suite runs
on SQLite and on PostgreSQL against the same known answers, so both databases give the same hits; FTS5's
default tokenizer, run beside it, misses the 2-character words."""

from __future__ import annotations

import datetime
import sqlite3

import pytest
from django.core.management import call_command
from django.utils import timezone

from kaidan.accounts.models import User
from kaidan.catalog.models import Dataset
from kaidan.editing.services import edit_record
from kaidan.search.selectors import matching_row_ids, search
from kaidan.store.models import Revision
from kaidan.store.selectors import iter_rows, iter_rows_with_rev

from .corpus import QUERIES, records, write_csv

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 1200


@pytest.fixture
def corpus(tmp_path, make_org, make_user):
    org = make_org("kucho", name="区長室")
    clerk = make_user("clerk", org, role="manager")
    path = tmp_path / "corpus.csv"
    planted = write_csv(path, ROWS, rate=0.04)
    call_command("import", str(path), dataset="voices", org="kucho", yes=True, verbosity=0)
    dataset = Dataset.objects.get(name="voices")
    number = dataset.live_fields()[0]
    by_row = {row_id: int(values[0]) - 1 for row_id, values in iter_rows(dataset, [number])}
    return clerk, dataset, planted, by_row


def found(clerk: User, dataset: Dataset, by_row: dict[int, int], text: str) -> set[int]:
    return {by_row[row_id] for row_id in matching_row_ids(dataset, text, actor=clerk)}


@pytest.mark.parametrize("query", QUERIES, ids=[q.text for q in QUERIES])
def test_every_query_of_the_set_finds_exactly_its_known_answers(corpus, query):
    clerk, dataset, planted, by_row = corpus
    expected = query.answer(planted)
    assert expected, "the corpus plants every query's words"
    assert found(clerk, dataset, by_row, query.text) == expected
    assert search(query.text, actor=clerk, dataset=dataset).counts["record"] == len(expected)


def test_fts5_unicode61_beside_it_misses_two_character_words_inside_sentences():
    texts = [text for text, _keys in records(ROWS, rate=0.04)]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")  # tokenize='unicode61', the default
    db.executemany("INSERT INTO t(body) VALUES (?)", [(t,) for t in texts])
    fts5 = db.execute("SELECT count(*) FROM t WHERE t MATCH ?", ['"相談"']).fetchone()[0]
    truth = sum("相談" in t for t in texts)
    assert truth > 0 and fts5 < truth


def test_changed_since_keeps_the_records_changed_on_or_after_that_day(corpus, client):
    clerk, dataset, planted, by_row = corpus
    last_year = timezone.now() - datetime.timedelta(days=365)
    Revision.objects.filter(dataset=dataset).update(created_at=last_year)  # the import was a year ago
    content = dataset.live_fields()[1]
    row_id, rev, _values = next(iter_rows_with_rev(dataset, [content]))
    edit_record(dataset, row_id, {content.name: "空家の相談がありました。"}, rev, actor=clerk)
    today = timezone.localdate()

    recent = search("相談", actor=clerk, dataset=dataset, changed_since=today)
    assert recent.counts["record"] == 1
    everything = search("相談", actor=clerk, dataset=dataset)
    assert everything.counts["record"] == len(QUERIES[0].answer(planted) | {by_row[row_id]})
    assert (
        search("相談", actor=clerk, dataset=dataset, changed_since=today + datetime.timedelta(days=1)).total
        == 0
    )

    client.force_login(clerk)
    page = client.get("/search/", {"q": "相談", "kind": "record", "since": today.isoformat()})
    assert page.status_code == 200 and page.context["results"].counts["record"] == 1
    assert f'value="{today.isoformat()}"' in page.content.decode()
