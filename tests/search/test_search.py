"""One search over datasets, records and documents that finds what a clerk means, and nothing they may
not see. The world is the demo ward (`kaidan demo`): the register 見守り対象者名簿 (限定; 氏名 and 電話 are 秘;
備考 「要配慮：階段の昇降が困難」 on 番号 5, 10 … 40), shared with 社会福祉協議会 for the even 番号 and with
池尻地域包括支援センター for 池尻; the public AED list; an undecided budget draft."""

from __future__ import annotations

import io
import sqlite3

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from kaidan.accounts.models import User
from kaidan.catalog.models import Dataset
from kaidan.editing.services import delete_records, edit_record
from kaidan.search.selectors import search
from kaidan.store import selectors as store

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward():
    call_command("demo", stdout=io.StringIO())
    return Dataset.objects.get(name="mimamori")


def user(name: str) -> User:
    return User.objects.get(username=name)


def records(actor, text: str, dataset: str = "mimamori") -> int:
    """Record hits inside one dataset (the AED list has 階段 too: 「階段踊り場」)."""
    return search(text, actor=actor, dataset=Dataset.objects.get(name=dataset)).counts["record"]


def test_a_two_character_word_inside_a_sentence_is_found(ward):
    assert records(user("fukushi.viewer"), "階段") == 8  # every row whose 備考 holds it
    assert records(user("fukushi.viewer"), "昇降") == 8


def test_sqlites_default_full_text_tokenizer_would_miss_it(ward):
    """Beside it, FTS5's default tokenizer (unicode61) finds nothing for 階段 in 「要配慮：階段の昇降が困難」."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    db.execute("INSERT INTO t VALUES ('要配慮：階段の昇降が困難')")
    assert db.execute("SELECT count(*) FROM t WHERE t MATCH '階段'").fetchone()[0] == 0


def test_what_a_reader_may_not_see_is_never_a_hit_nor_a_count(ward):
    assert records(user("shakyo.staff"), "階段") == 4  # only its rows (even 番号)
    assert records(None, "階段") == 0  # the register is 限定: not for residents
    secret_name = next(v for _id, v in _names(ward) if v)
    family = secret_name.split()[0]
    assert records(user("fukushi.editor"), family) >= 1  # 秘 readers find names
    assert records(user("shakyo.staff"), family) == 0  # 氏名 is 秘: not even a count
    assert records(user("fukushi.viewer"), family) == 0  # a viewer's clearance is 限定
    public = [h.title for h in search("予算", actor=None).hits["dataset"]]  # the demo publishes a budget
    assert "次年度予算案（未決定）" not in public  # the undecided draft stays hidden
    assert search("予算", actor=user("admin")).counts["dataset"] >= 0


def _names(dataset: Dataset) -> list[tuple[int, str]]:
    field = next(f for f in dataset.live_fields() if f.name == "氏名")
    return [(row_id, values[0]) for row_id, values in store.iter_rows(dataset, [field])]


def test_residents_find_public_records_and_datasets(ward):
    assert records(None, "階段", "aed") >= 1  # 設置位置 of the public AED list
    results = search("市役所", actor=None)
    assert results.counts["record"] >= 1
    assert all("AED" in h.title for h in results.hits["record"])
    assert search("ＡＥＤ", actor=None).counts["dataset"] == 1  # full width finds the title
    assert search("aed", actor=None).hits["dataset"][0].exact_title


def test_the_index_follows_every_revision_in_its_transaction(ward):
    editor = user("fukushi.editor")
    viewer = user("fukushi.viewer")
    fields = ward.live_fields()
    row_id, rev, _values = next(store.iter_rows_with_rev(ward, fields, where="_id = %s", params=[5]))
    edit_record(ward, row_id, {"備考": "新しい手すりを設置済み"}, actor=editor, expected_rev=rev)
    assert records(viewer, "手すり") == 1 and records(viewer, "階段") == 7
    ward.refresh_from_db()
    row_id, rev, _values = next(store.iter_rows_with_rev(ward, fields, where="_id = %s", params=[10]))
    delete_records(ward, {row_id: rev}, actor=editor)
    assert records(viewer, "階段") == 6
    try:
        with transaction.atomic():
            ward.refresh_from_db()
            row_id, rev, _values = next(store.iter_rows_with_rev(ward, fields, where="_id = %s", params=[15]))
            edit_record(ward, row_id, {"備考": "巻き戻される変更"}, actor=editor, expected_rev=rev)
            assert records(viewer, "巻き戻") == 1
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert records(viewer, "巻き戻") == 0 and records(viewer, "階段") == 6


def test_a_column_raised_to_secret_leaves_the_hits_at_once(ward):
    from kaidan.editing.services import set_field_classification

    set_field_classification(ward, "備考", "restricted", actor=user("fukushi.manager"))
    assert records(user("fukushi.viewer"), "階段") == 0
    assert records(user("fukushi.editor"), "階段") == 8


def test_documents_are_found_by_their_text(ward, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kaidan.documents.services import upload_document

    upload_document(
        actor=user("fukushi.editor"),
        owner=ward.owner,
        title="見守り活動の手引き",
        file=SimpleUploadedFile(
            "tebiki.txt", "訪問の前に民生委員へ連絡します。".encode(), content_type="text/plain"
        ),
        classification="internal",
    )
    assert search("民生", actor=user("fukushi.viewer")).counts["document"] == 1
    assert search("民生", actor=None).counts["document"] == 0  # 庁内: not for residents


def test_reindex_rebuilds_the_same_answers(ward):
    before = records(user("fukushi.viewer"), "階段")
    out = io.StringIO()
    call_command("search", "reindex", stdout=out, stderr=io.StringIO())
    assert "mimamori" in out.getvalue()
    assert records(user("fukushi.viewer"), "階段") == before


def test_the_search_page_groups_hits_and_highlights_them(client, ward):
    client.force_login(user("shakyo.staff"))
    page = client.get("/search/", {"q": "階段"}).content.decode()
    assert "<mark>階段</mark>" in page and "見守り対象者名簿" in page
    assert client.get("/search/", {"q": "階段", "kind": "document"}).status_code == 200
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_big_revision_is_indexed_by_a_background_task_after_it_commits(
    ward, tmp_path, monkeypatch, immediate_tasks, django_capture_on_commit_callbacks
):
    from kaidan.ingest.services import plan_import, run_import
    from kaidan.search import index

    monkeypatch.setattr(index, "INLINE_ROWS", 3)  # "big" for this test
    path = tmp_path / "big.csv"
    path.write_text("番号,メモ\n" + "".join(f"{n},会議室の予約{n}\n" for n in range(1, 11)), encoding="utf-8")
    plan, analysis = plan_import(
        path, dataset="yoyaku", organization="hokenfukushi", classification="internal"
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_import(plan, actor=user("fukushi.editor"), analysis=analysis)
    assert records(user("fukushi.viewer"), "会議", "yoyaku") == 10


def test_words_may_be_in_different_columns_of_a_record(ward):
    """AND holds across a record's visible cells: 焼津市 (市区町村名) and 市役所 (名称) on the same AED row."""
    both = records(None, "焼津市 市役所", "aed")
    assert both >= 1 and both <= records(None, "市役所", "aed")
    assert records(None, "市役所 -焼津市", "aed") == 0  # every row is in 焼津市


def test_the_grid_finds_rows_by_words_as_its_reader_may_see_them(client, ward):
    from django.http import QueryDict

    from kaidan.catalog.selectors import grid_query, query_rows

    def total(name: str, params: str) -> int:
        actor = user(name)
        return query_rows(ward, grid_query(ward, QueryDict(params), actor=actor), actor=actor).total

    assert total("fukushi.viewer", "q=階段") == 8
    assert total("shakyo.staff", "q=階段") == 4  # its rows only
    assert total("shakyo.staff", "q=階段&地区__exact=池尻") <= 4
    assert total("fukushi.viewer", "q=階段&as_of=1") == 8  # the words of now, the rows of then
    client.force_login(user("shakyo.staff"))
    page = client.get("/datasets/mimamori/", {"q": "階段"}).content.decode()
    assert 'value="階段"' in page and "4 行" in page
    exported = b"".join(
        client.get("/datasets/mimamori/export", {"format": "csv", "q": "階段"}).streaming_content
    )
    assert len(exported.decode("utf-8-sig").strip().splitlines()) == 1 + 4


def test_each_database_cuts_the_same_tokens_from_the_stored_words():
    """SQLite (a registered function feeding FTS5) and PostgreSQL (an SQL function under a GIN index) cut an
    entry's words at spaces alone, into the very tokens Python makes."""
    from kaidan.values.textsearch import index_tokens, normalize, words

    for text in ["要配慮：階段の昇降が困難", "ｻｰﾊﾞｰ 03ー1234ー5678", "猫", "Ｒ５．４．１ 相談"]:
        stored = words(normalize(text))
        with connection.cursor() as cursor:
            cursor.execute("SELECT kaidan_search_tokens(%s)", [stored])
            cut = cursor.fetchone()[0]
        tokens = cut.split() if isinstance(cut, str) else cut
        assert set(tokens) == set(index_tokens(stored))


def test_postgresql_indexes_records_by_pairs_and_word_ends_and_finds_one_character_words_by_prefix():
    """Records and metadata are indexed by the pairs inside each word and each word's last character (a
    smaller index); a 1-character word is found wherever it stands: before another character (a pair it
    starts) or at a word's end."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's own index")
    from kaidan.search.tokens import lexeme_tokens, tsquery_lexeme
    from kaidan.values.textsearch import normalize, words

    stored = words(normalize("子猫の相談 猫 ねこ猫"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(kaidan_search_lexemes(%s))", [stored])
        assert (
            set(cursor.fetchone()[0])
            == lexeme_tokens(stored)
            == {"子猫", "猫の", "の相", "相談", "談", "猫", "ねこ", "こ猫"}
        )
        for char, found in [("猫", True), ("子", True), ("談", True), ("の", True), ("犬", False)]:
            cursor.execute(
                "SELECT kaidan_search_lexemes(%s) @@ %s::tsquery", [stored, tsquery_lexeme(char, prefix=True)]
            )
            assert cursor.fetchone()[0] is found, char


def test_a_record_entry_keeps_only_its_words_and_hits_show_the_row_as_read_now(ward):
    from kaidan.search.models import SearchEntry
    from kaidan.values.textsearch import normalize, words

    entry = SearchEntry.objects.filter(kind="record", dataset=ward, norm__contains="階段").first()
    assert entry is not None and entry.text == ""  # the row holds the text; the index does not copy it
    remarks = [f for f in ward.live_fields() if f.name == "備考"]
    value = next(v for _id, (v,) in store.iter_rows(ward, remarks) if v and "階段" in v)
    assert words(normalize(value)) in set(
        SearchEntry.objects.filter(kind="record", dataset=ward).values_list("norm", flat=True)
    )
    hit = search("階段", actor=user("fukushi.viewer"), dataset=ward).hits["record"][0]
    assert hit.match == "階段" and "要配慮" in hit.before  # the snippet is the row's own text


def test_an_edit_reindexes_only_the_rows_it_wrote(ward):
    from kaidan.search.models import SearchEntry
    from kaidan.store.history import ids_written_at

    editor = user("fukushi.editor")
    fields = ward.live_fields()
    before = dict(SearchEntry.objects.filter(kind="record", dataset=ward).values_list("pk", "row_id"))
    row_id, rev, _values = next(store.iter_rows_with_rev(ward, fields, where="_id = %s", params=[5]))
    edit_record(ward, row_id, {"備考": "新しい手すりを設置済み"}, actor=editor, expected_rev=rev)
    ward.refresh_from_db()
    assert ids_written_at(ward, ward.current_revision) == ([row_id], [])
    after = dict(SearchEntry.objects.filter(kind="record", dataset=ward).values_list("pk", "row_id"))
    assert {pk for pk, r in before.items() if r != row_id} <= set(after)  # the other rows' entries stay
    assert not {pk for pk, r in before.items() if r == row_id} & set(after)  # the edited row's are new
    other, rev, _values = next(store.iter_rows_with_rev(ward, fields, where="_id = %s", params=[10]))
    delete_records(ward, {other: rev}, actor=editor)
    ward.refresh_from_db()
    assert ids_written_at(ward, ward.current_revision) == ([], [other])
