"""Importing files into master tables: revisions, keys, atomicity and compact history."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.core.storage import content_name
from kaidan.ingest.exceptions import ImportRejected, report_csv
from kaidan.store import selectors
from kaidan.store.exports import write
from kaidan.store.models import Revision, RowChange

pytestmark = pytest.mark.django_db(transaction=False)

V1 = '番号,名称,地区,定員,開設日\n1,池尻小学校,池尻,300,令和5年4月1日\n2,太子堂中学校,太子堂,"1,200",H31.4.30\n3,三宿会館,三宿,△5,2023/4/1\n'


def rows(dataset: Dataset, as_of: int | None = None) -> list[list]:
    fields = selectors.fields_at(dataset, as_of or dataset.current_revision)
    return [values for _id, values in selectors.iter_rows(dataset, fields, as_of=as_of)]


def export_csv(dataset: Dataset, as_of: int | None = None) -> bytes:
    out = io.BytesIO()
    fields = selectors.fields_at(dataset, as_of or dataset.current_revision)
    write("csv", fields, (v for _i, v in selectors.iter_rows(dataset, fields, as_of=as_of)), out)
    return out.getvalue()


def test_a_new_dataset_gets_typed_columns_and_revision_one(do_import, write_csv):
    result = do_import(write_csv("v1.csv", V1, "cp932"), title="避難所")
    dataset = result.dataset
    assert [f.type for f in dataset.live_fields()] == ["integer", "text", "text", "integer", "date"]
    assert rows(dataset) == [
        [1, "池尻小学校", "池尻", 300, date(2023, 4, 1)],
        [2, "太子堂中学校", "太子堂", 1200, date(2019, 4, 30)],
        [3, "三宿会館", "三宿", -5, date(2023, 4, 1)],
    ]
    assert (result.revision.number, result.revision.added, result.revision.source_name) == (1, 3, "v1.csv")
    blob = result.revision.source_file
    assert blob is not None and blob.size == len(V1.encode("cp932"))
    assert default_storage.open(content_name("sources", blob.sha256)).read() == V1.encode("cp932")


def test_export_is_utf8_with_bom_and_labels(do_import, write_csv):
    dataset = do_import(write_csv("v1.csv", V1)).dataset
    data = export_csv(dataset)
    assert data.startswith(b"\xef\xbb\xbf\xe7\x95\xaa\xe5\x8f\xb7")  # BOM + 番号
    assert "2,太子堂中学校,太子堂,1200,2019-04-30" in data.decode("utf-8-sig")


def test_upsert_by_key_records_only_changed_cells(do_import, write_csv):
    do_import(write_csv("v1.csv", V1), key="番号")
    v2 = V1.replace("1,池尻小学校,池尻,300", "1,池尻小学校,池尻,320") + "4,新施設,下馬,10,2024/1/1\n"
    result = do_import(write_csv("v2.csv", v2), mode="upsert")
    revision = result.revision
    assert (revision.added, revision.changed, revision.removed) == (1, 1, 0)
    change = RowChange.objects.get(revision=revision)
    assert list(change.old.values()) == [300] and list(change.new.values()) == [320]


def test_reimporting_the_same_file_adds_no_history(do_import, write_csv):
    path = write_csv("v1.csv", V1)
    do_import(path, key="番号")
    result = do_import(path, mode="replace")
    assert (result.revision.added, result.revision.changed, result.revision.removed) == (0, 0, 0)
    assert RowChange.objects.count() == 0


def test_replace_by_key_removes_rows_missing_from_the_file(do_import, write_csv):
    do_import(write_csv("v1.csv", V1), key="番号")
    result = do_import(write_csv("v2.csv", "\n".join(V1.splitlines()[:3]) + "\n"), mode="replace")
    assert result.revision.removed == 1
    assert [r[0] for r in rows(result.dataset)] == [1, 2]


def test_append_adds_rows(do_import, write_csv):
    do_import(write_csv("v1.csv", V1))
    result = do_import(
        write_csv("more.csv", "番号,名称,地区,定員,開設日\n9,追加,池尻,1,2024/5/5\n"), mode="append"
    )
    assert result.dataset.row_count == 4


def test_any_past_revision_can_be_read_and_exports_identically(do_import, write_csv):
    first = do_import(write_csv("v1.csv", V1), key="番号").dataset
    before = export_csv(first)
    v2 = V1.replace("池尻小学校", "池尻小").replace("3,三宿会館,三宿,△5,2023/4/1\n", "")
    dataset = do_import(write_csv("v2.csv", v2), mode="replace").dataset
    assert dataset.current_revision == 2
    assert export_csv(dataset, as_of=1) == before
    assert rows(dataset)[0][1] == "池尻小"


def test_a_bad_value_aborts_and_leaves_the_dataset_unchanged(do_import, write_csv):
    dataset = do_import(write_csv("v1.csv", V1), key="番号").dataset
    bad = V1 + "5,壊れた行,池尻,300,令和5年13月1日\n" * 19 + "6,x,池尻,300,2023/1/1\n"
    with pytest.raises(ImportRejected) as exc:
        do_import(write_csv("bad.csv", bad), mode="replace")
    rejected = exc.value.rejected[0]
    assert (rejected.file, rejected.row, rejected.column, rejected.value) == (
        "bad.csv",
        5,
        "開設日",
        "令和5年13月1日",
    )
    assert "月" in rejected.reason_ja and rejected.reason_en
    dataset.refresh_from_db()
    assert dataset.current_revision == 1 and Revision.objects.filter(dataset=dataset).count() == 1
    assert len(rows(dataset)) == 3
    report = report_csv(exc.value.rejected).decode("utf-8-sig").splitlines()
    assert report[0].startswith("ファイル file") and "令和5年13月1日" in report[1]


def test_skipping_bad_rows_imports_the_rest_and_counts_them(do_import, write_csv):
    good = "".join(f"{n},施設{n},池尻,{n},2023/1/1\n" for n in range(10, 40))
    bad = V1 + good + "5,壊れた行,池尻,三百,2023/1/1\n"
    result = do_import(write_csv("bad.csv", bad), on_error="skip")
    assert (result.revision.added, result.revision.rejected) == (33, 1)


def test_duplicate_keys_are_rejected_with_both_rows_named(do_import, write_csv):
    with pytest.raises(ImportRejected) as exc:
        do_import(write_csv("dup.csv", V1 + "1,重複,池尻,1,2023/1/1\n"), key="番号")
    assert "2" in exc.value.rejected[0].reason_en and exc.value.rejected[0].row == 5
    assert not Dataset.objects.filter(name="shelters").exists()
    assert "kd_data_" not in " ".join(
        t for t in connection.introspection.table_names() if t.startswith("kd_data_x")
    )


def test_creating_an_existing_dataset_is_refused(do_import, write_csv):
    path = write_csv("v1.csv", V1)
    do_import(path)
    with pytest.raises(ImportRejected, match="already exists"):
        do_import(path)


def test_decimal_and_japanese_numbers(do_import, write_csv):
    text = '名称,割合,金額\nA,12.5%,"¥1,000"\nB,３．５％,▲200\n'
    dataset = do_import(write_csv("d.csv", text)).dataset
    assert rows(dataset)[0][1] == Decimal("12.5")
    assert [f.type for f in dataset.live_fields()][1] == "decimal"


def test_the_system_actor_is_audited_as_system(do_import, write_csv):
    from kaidan.audit.models import AuditEntry

    do_import(write_csv("v1.csv", V1), actor=SYSTEM)
    entry = AuditEntry.objects.filter(action="catalog.dataset.create").last()
    assert entry is not None and entry.actor_label == "system" and entry.detail["added"] == 3


def test_every_type_exports_to_parquet(do_import, write_csv):
    """Regression: a yes/no column used to crash the Parquet export (pyarrow names the type bool_)."""
    import io

    import pyarrow.parquet as pq

    from kaidan.store.exports import write

    result = do_import(write_csv("flags.csv", "名前,有無\nA,有\nB,無\nC,\n"), dataset="flags")
    fields = result.dataset.live_fields()
    assert [f.type for f in fields] == ["text", "boolean"]
    out = io.BytesIO()
    write("parquet", fields, iter([["A", True], ["B", False], ["C", None]]), out)
    assert pq.read_table(io.BytesIO(out.getvalue())).to_pylist()[0] == {"名前": "A", "有無": True}
