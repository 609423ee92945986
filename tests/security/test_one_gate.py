"""One gate for reads *and* writes (issue 9): the leaks found probing the demo ward, each as a test.

The world is the demo ward itself (`kaidan demo`): the register 見守り対象者名簿 (`mimamori`, 限定, 40 rows,
番号 1–40 = row ids 1–40) with 秘 columns 氏名 and 電話 and a 限定 column 備考, shared with
- 社会福祉協議会 (`shakyo.staff`, viewer): the rows whose 担当 is 社会福祉協議会 (even 番号), 限定 columns;
- 池尻地域包括支援センター (`houkatsu.staff`, editor): the 池尻 rows (番号 divisible by 4), 秘 columns, may edit.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kaidan.accounts.models import User
from kaidan.catalog.models import Dataset
from kaidan.editing.services import InvalidValues, edit_record, rename_field, set_field_classification
from kaidan.ingest.exceptions import ImportRejected
from kaidan.ingest.services import plan_import, run_import
from kaidan.store import selectors as store

pytestmark = pytest.mark.django_db

NOTE = "要配慮：階段の昇降が困難"  # 備考 of 番号 10, 20, 30, 40 (rows of 社会福祉協議会)


@pytest.fixture
def ward():
    call_command("demo", stdout=io.StringIO())
    return Dataset.objects.get(name="mimamori")


def user(name: str) -> User:
    return User.objects.get(username=name)


def client_for(name: str) -> Client:
    client = Client()
    client.force_login(user(name))
    return client


def by_number(dataset: Dataset) -> dict[int, dict[str, object]]:
    dataset.refresh_from_db()
    fields = dataset.live_fields()
    rows = {}
    for _row_id, values in store.iter_rows(dataset, fields):
        row = {f.name: v for f, v in zip(fields, values, strict=True)}
        rows[int(row["番号"])] = row  # type: ignore[call-overload]
    return rows


def import_as(actor: User, tmp_path: Path, text: str, *, mode: str, **options: object):
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    plan, analysis = plan_import(path, dataset="mimamori", mode=mode, key="番号", **options)  # type: ignore[arg-type]
    return run_import(plan, actor=actor, analysis=analysis)


def rev_of(dataset: Dataset, number: int) -> tuple[int, int]:
    """(row id, _rev) of the row with 番号 `number`."""
    for row_id, rev, values in store.iter_rows_with_rev(dataset, dataset.live_fields()):
        if values[0] == number:
            return row_id, rev
    raise AssertionError(number)


# ------------------------------------------------------------------------------------------ finding 1


def test_an_upsert_by_a_scoped_editor_cannot_change_a_row_outside_its_scope(ward, tmp_path):
    before = by_number(ward)
    with pytest.raises(ImportRejected) as caught:
        import_as(user("houkatsu.staff"), tmp_path, "番号,電話\n1,03-9999-9999\n", mode="upsert")
    assert by_number(ward) == before  # row 1 (太子堂) is untouched
    assert "太子堂" not in str(caught.value) and "03-0000-0001" not in str(caught.value)


def test_the_command_line_import_goes_through_the_same_gate(ward, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("番号,電話\n1,03-9999-9999\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command(
            "import",
            str(path),
            "--dataset=mimamori",
            "--mode=upsert",
            "--key=番号",
            "--user=houkatsu.staff",
            "--yes",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert by_number(ward)[1]["電話"] == "03-0000-0001"


def test_an_upsert_inside_the_scope_is_applied(ward, tmp_path):
    result = import_as(user("houkatsu.staff"), tmp_path, "番号,電話\n4,03-9999-9999\n", mode="upsert")
    assert result.revision.changed == 1
    assert by_number(ward)[4]["電話"] == "03-9999-9999"


def test_a_replace_by_a_scoped_editor_replaces_only_its_own_rows(ward, tmp_path):
    rows = by_number(ward)
    header = "番号,氏名,地区,年齢,電話,担当,最終訪問日,備考\n"
    line = ",".join(str(rows[4][k] or "") for k in ("番号", "氏名", "地区", "年齢", "電話", "担当"))
    import_as(user("houkatsu.staff"), tmp_path, f"{header}{line},,\n", mode="replace")
    after = by_number(ward)
    ikejiri = [n for n in range(1, 41) if n % 4 == 0]
    assert sorted(after) == sorted(n for n in range(1, 41) if n not in ikejiri or n == 4)  # 9 池尻 rows left
    assert all(after[n] == rows[n] for n in after if n != 4)  # nothing outside 池尻 changed


def test_a_row_added_by_import_must_fall_inside_the_scope(ward, tmp_path):
    before = by_number(ward)
    with pytest.raises(ImportRejected):
        import_as(user("houkatsu.staff"), tmp_path, "番号,地区\n41,太子堂\n", mode="append")
    assert by_number(ward) == before


def test_a_new_column_in_an_import_is_a_schema_change_for_managers_only(ward, tmp_path):
    fields = [f.name for f in ward.live_fields()]
    with pytest.raises(ImportRejected) as caught:
        import_as(user("houkatsu.staff"), tmp_path, "番号,新しい列\n4,x\n", mode="upsert")
    assert "新しい列" in str(caught.value)
    ward.refresh_from_db()
    assert [f.name for f in ward.live_fields()] == fields


def test_an_import_cannot_be_used_to_guess_a_hidden_value(ward, tmp_path):
    """The answer to an upsert of a row outside the scope is the same whether a guessed 秘 name is right."""
    name_of_1 = by_number(ward)[1]["氏名"]
    answers = []
    for guess in (name_of_1, "違う 名前"):
        with pytest.raises(ImportRejected) as caught:
            import_as(user("houkatsu.staff"), tmp_path, f"番号,氏名\n1,{guess}\n", mode="upsert")
        answers.append((caught.value.message_ja, caught.value.message_en))
    assert answers[0] == answers[1]


def test_a_column_above_the_importers_clearance_is_not_written(ward, tmp_path):
    """A 限定 editor's file naming a 秘 column is treated like a file naming an unknown column."""
    from kaidan.access.models import AccessGrant, Permission
    from kaidan.access.services import SYSTEM
    from kaidan.sharing.services import grant_access

    houkatsu = user("houkatsu.staff").memberships.get().organization
    AccessGrant.objects.filter(organization=houkatsu).delete()
    grant_access(
        ward,
        actor=SYSTEM,
        organization=houkatsu,
        permission=Permission.EDIT,
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    before = by_number(ward)
    with pytest.raises(ImportRejected):
        import_as(user("houkatsu.staff"), tmp_path, "番号,電話\n4,03-9999-9999\n", mode="upsert")
    assert by_number(ward) == before


# ------------------------------------------------------------------------------------------ finding 2


@pytest.fixture
def note_made_secret(ward):
    """A manager raises 備考 to 秘 after revision 2 (the demo's import and edit)."""
    set_field_classification(ward, "備考", "restricted", actor=user("fukushi.manager"))
    ward.refresh_from_db()
    return ward


def test_a_column_raised_to_secret_is_hidden_in_every_past_revision(note_made_secret):
    shakyo = client_for("shakyo.staff")
    for url in (
        "/datasets/mimamori/?as_of=2",
        "/datasets/mimamori/?as_of=1&cols=備考",
        "/datasets/mimamori/export?format=csv&revision=2",
        "/datasets/mimamori/export?format=json&revision=1",
        "/datasets/mimamori/rows/10/?as_of=2",
        "/datasets/mimamori/diff?from=0&to=2",
    ):
        response = shakyo.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        assert NOTE not in body.decode("utf-8-sig"), url


def test_an_as_of_export_cannot_filter_on_a_column_hidden_now(note_made_secret):
    shakyo = client_for("shakyo.staff")
    hit = shakyo.get("/datasets/mimamori/export", {"format": "csv", "as_of": 2, "備考__contains": "階段"})
    miss = shakyo.get(
        "/datasets/mimamori/export", {"format": "csv", "as_of": 2, "備考__contains": "存在しない"}
    )
    assert b"".join(hit.streaming_content) == b"".join(miss.streaming_content)  # type: ignore[attr-defined]


@pytest.fixture
def row_10_handed_over(ward):
    """Row 10 moves from 社会福祉協議会 to 池尻地域包括支援センター (revision 3)."""
    row_id, rev = rev_of(ward, 10)
    edit_record(
        ward, row_id, {"担当": "池尻地域包括支援センター"}, actor=user("fukushi.editor"), expected_rev=rev
    )
    ward.refresh_from_db()
    return row_id


def test_a_row_that_left_a_partners_scope_is_not_readable_in_the_past_either(row_10_handed_over):
    shakyo = client_for("shakyo.staff")
    assert shakyo.get(f"/datasets/mimamori/rows/{row_10_handed_over}/").status_code == 404
    assert shakyo.get(f"/datasets/mimamori/rows/{row_10_handed_over}/?as_of=2").status_code == 404
    exported = b"".join(shakyo.get("/datasets/mimamori/export?format=csv&revision=2").streaming_content)  # type: ignore[attr-defined]
    numbers = [row[0] for row in csv.reader(io.StringIO(exported.decode("utf-8-sig")))][1:]
    assert "10" not in numbers and "12" in numbers
    grid = shakyo.get("/datasets/mimamori/?as_of=2&番号__exact=10").content.decode()
    assert NOTE not in grid
    diff = shakyo.get("/datasets/mimamori/diff?from=2&to=3").content.decode()
    assert "池尻地域包括支援センター" not in diff


# ------------------------------------------------------------------------------------------ finding 3


def test_a_row_scoped_reader_sees_no_whole_dataset_counts_or_messages(ward):
    shakyo = client_for("shakyo.staff")
    revisions = shakyo.get("/datasets/mimamori/revisions/").content.decode()
    assert "訪問記録の反映" not in revisions  # the demo edit's message
    assert "<td>40</td>" not in revisions  # 40 rows added by the import
    page = shakyo.get("/datasets/mimamori/").content.decode()
    assert "<td>40</td>" not in page
    owner = client_for("fukushi.viewer").get("/datasets/mimamori/revisions/").content.decode()
    assert "訪問記録の反映" in owner and "<td>40</td>" in owner


def test_the_catalogue_tells_a_row_scoped_reader_no_whole_dataset_count(ward):
    assert "40 行" not in client_for("shakyo.staff").get("/datasets/").content.decode()
    assert "40 行" in client_for("fukushi.viewer").get("/datasets/").content.decode()


def test_live_events_to_a_row_scoped_reader_carry_no_counts_or_message(ward):
    from kaidan.live.selectors import revision_event
    from kaidan.store.models import Revision

    revision = Revision.objects.get(dataset=ward, number=1)
    event = revision_event(revision, "ja", whole=False)
    assert "40" not in event["note"] and event["counts"] is None and event["message"] == ""
    assert revision_event(revision, "ja")["counts"]["added"] == 40


# ------------------------------------------------------------------------------------------ finding 4


def _shakyo_rows(dataset: Dataset) -> list[int]:
    from kaidan.catalog.selectors import iter_visible_rows

    view = iter_visible_rows(dataset, actor=user("shakyo.staff"))
    index = [f.name for f in view.fields].index("番号")
    return sorted(int(row[index]) for row in view.rows)


def test_renaming_the_scope_column_changes_nothing(ward):
    before = _shakyo_rows(ward)
    assert len(before) == 20
    rename_field(ward, "担当", actor=user("fukushi.manager"), name="tanto", label="担当者")
    ward.refresh_from_db()
    assert _shakyo_rows(ward) == before


def test_giving_another_column_the_scope_columns_name_changes_nothing(ward):
    before = _shakyo_rows(ward)
    manager = user("fukushi.manager")
    rename_field(ward, "担当", actor=manager, name="tanto", label="担当者")
    rename_field(ward, "地区", actor=manager, name="担当", label="担当")
    ward.refresh_from_db()
    assert _shakyo_rows(ward) == before


# ------------------------------------------------------------------------------------------ finding 5


def test_a_key_clash_names_no_row_the_editor_cannot_see(ward):
    houkatsu = user("houkatsu.staff")
    row_id, rev = rev_of(ward, 4)
    with pytest.raises(InvalidValues) as caught:
        edit_record(ward, row_id, {"番号": "5"}, actor=houkatsu, expected_rev=rev)
    text = " ".join(p.ja + p.en for p in caught.value.problems)
    assert "行 5" not in text and "row 5" not in text
    # the owner's editor, who sees row 5, is told which row
    with pytest.raises(InvalidValues) as told:
        edit_record(ward, row_id, {"番号": "5"}, actor=user("fukushi.editor"), expected_rev=rev)
    assert any("行 5" in p.ja for p in told.value.problems)


# ------------------------------------------------------------------------------------------ finding 6


def test_import_errors_do_not_tell_a_hidden_dataset_from_a_missing_one(ward, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    answers = {}
    for name in ("budget-draft", "no-such-dataset"):
        plan, analysis = plan_import(path, dataset=name, mode="append")
        with pytest.raises(ImportRejected) as caught:
            run_import(plan, actor=user("shakyo.staff"), analysis=analysis)
        answers[name] = caught.value.message_en.replace(name, "NAME")
    assert answers["budget-draft"] == answers["no-such-dataset"]
    plan, analysis = plan_import(path, dataset="budget-draft", mode="create", organization="shakyo")
    with pytest.raises(ImportRejected) as exists:
        run_import(plan, actor=user("shakyo.staff"), analysis=analysis)
    assert "already exists" not in exists.value.message_en


def test_a_document_attached_to_a_hidden_dataset_does_not_show_its_title(ward):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kaidan.documents.services import upload_document

    budget = Dataset.objects.get(name="budget-draft")
    document = upload_document(
        actor=user("admin"),
        owner=budget.owner,
        title="予算説明資料（公開）",
        file=SimpleUploadedFile("setsumei.txt", b"public text", content_type="text/plain"),
        classification="public",
        dataset=budget,
    )
    for client in (Client(), client_for("shakyo.staff")):
        assert budget.title not in client.get(f"/documents/{document.pk}/").content.decode()
        assert budget.title not in client.get("/documents/").content.decode()


# ----------------------------------------------------------------------------------------- finding 11


def test_no_sql_on_dataset_tables_outside_the_store():
    """Only kaidan.store writes SQL against a dataset table (the one gate compiles it)."""
    root = Path(__file__).resolve().parents[2] / "src" / "kaidan"
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("store/") or "/migrations/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        search_index = relative in ("search/fts.py", "search/index.py")
        if ".table_name" in text or ("connection.cursor" in text and not search_index):
            offenders.append(relative)
    assert (
        offenders == []
    )  # search/fts.py and index.py run SQL on the search index only, never on a dataset table
