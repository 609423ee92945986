"""Restoring a record or the whole dataset: a new revision equal to the old one, history kept."""

from __future__ import annotations

import io

import pytest

from kaidan.access.services import SYSTEM
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset
from kaidan.catalog.services import export_dataset
from kaidan.core.errors import Forbidden
from kaidan.history.services import (
    RestoreRejected,
    plan_dataset_restore,
    plan_record_restore,
    restore_dataset,
    restore_record,
)
from kaidan.store.exports import FORMATS
from kaidan.store.models import Revision

from .conftest import V1, add_field, change_schema, delete_rows, rows_of, set_cell

pytestmark = pytest.mark.django_db


def export(dataset: Dataset, fmt: str, revision: int | None = None) -> bytes:
    out = io.BytesIO()
    export_dataset(dataset, actor=SYSTEM, fmt=fmt, revision=revision, out=out)
    return out.getvalue()


def fresh(dataset: Dataset) -> Dataset:
    return Dataset.objects.get(pk=dataset.pk)


@pytest.fixture
def long_history(do_import, write_csv):
    """Eight revisions: imports (create, upsert, replace), edits, deletes, added and removed columns."""
    ds = do_import(write_csv("v1.csv", V1), key="番号").dataset  # 1
    v2 = V1.replace("1,池尻小学校,池尻,300", "1,池尻小学校,池尻,320") + "5,新施設,代沢,10\n"
    ds = do_import(write_csv("v2.csv", v2), mode="upsert").dataset  # 2
    set_cell(ds, 2, "名称", "太子堂中学校（改築中）")  # 3
    delete_rows(ds, 3)  # 4
    add_field(ds, "電話", "電話番号", values={1: "03-1111-2222", 4: "03-3333-4444"})  # 5
    change_schema(ds, remove="地区", relabel=("定員", "収容人数"))  # 6
    replaced = "番号,名称,収容人数,電話\n1,池尻小学校,330,03-1111-2222\n6,新設,5,\n"
    ds = do_import(write_csv("v7.csv", replaced), mode="replace").dataset  # 7: rows 2, 4, 5 gone
    set_cell(ds, 1, "定員", 340)  # 8
    return fresh(ds)


@pytest.mark.parametrize("target", [1, 2, 4, 5, 6, 7])
def test_after_restoring_to_n_every_export_is_byte_identical_to_revision_n(long_history, target):
    ds = long_history
    assert ds.current_revision == 8
    before = {fmt: export(ds, fmt, target) for fmt in FORMATS}
    revision = restore_dataset(ds, target, actor=SYSTEM)
    ds = fresh(ds)
    assert revision.number == ds.current_revision == 9
    assert revision.source == Revision.Source.RESTORE
    assert f"restored to revision {target}" in revision.message
    for fmt in FORMATS:
        assert export(ds, fmt) == before[fmt], f"{fmt} after restoring to {target} differs"
    # history is not rewritten: revision 8 still reads as it was
    assert export(ds, "csv", 8) != export(ds, "csv") or target == 8


def test_restoring_twice_and_then_forward_again_keeps_every_revision_exportable(long_history):
    ds = long_history
    at = {n: export(ds, "csv", n) for n in range(1, 9)}
    restore_dataset(ds, 1, actor=SYSTEM)  # 9
    ds = fresh(ds)
    restore_dataset(ds, 5, actor=SYSTEM)  # 10
    ds = fresh(ds)
    assert export(ds, "csv") == at[5]
    restore_dataset(ds, 8, actor=SYSTEM)  # 11
    ds = fresh(ds)
    assert export(ds, "parquet") == export(ds, "parquet", 8)
    assert export(ds, "csv") == at[8]
    for n in range(1, 9):
        assert export(ds, "csv", n) == at[n]
    assert export(ds, "csv", 9) == at[1] and export(ds, "csv", 10) == at[5]


def test_restoring_the_dataset_brings_back_the_schema_of_that_revision(long_history):
    ds = long_history
    restore_dataset(ds, 4, actor=SYSTEM)
    ds = fresh(ds)
    live = ds.live_fields()
    assert [(f.name, f.label) for f in live] == [
        ("番号", "番号"),
        ("名称", "名称"),
        ("地区", "地区"),
        ("定員", "定員"),
    ]
    assert ds.fields.get(name="電話").removed
    assert ds.row_count == 4


def test_the_dataset_restore_is_audited_and_counts_its_changes(long_history):
    ds = long_history
    revision = restore_dataset(ds, 4, actor=SYSTEM)
    entry = AuditEntry.objects.filter(action="store.revision.restore").get()
    assert entry.detail["restored_to"] == 4 and entry.detail["revision"] == revision.number
    # at 4: rows 1, 2, 4, 5 alive; now: 1, 6 → 6 deleted, 2, 4, 5 back, 1 changed
    assert (revision.added, revision.removed, revision.changed) == (3, 1, 1)


def test_the_confirm_summary_is_the_diff_from_now_to_the_revision(long_history):
    ds = long_history
    plan = plan_dataset_restore(ds, 4, actor=SYSTEM)
    assert plan.counts() == {"added": 3, "removed": 1, "changed": 1}
    assert {c.kind for c in plan.schema} >= {"added", "removed"}


def test_a_restore_over_changes_made_after_the_confirm_page_is_refused(long_history):
    ds = long_history
    with pytest.raises(RestoreRejected, match="after you confirmed"):
        restore_dataset(ds, 4, actor=SYSTEM, expected_revision=7)
    assert fresh(ds).current_revision == 8


def test_restoring_the_dataset_needs_the_manage_right(long_history, make_user, owner):
    editor = make_user("editor", owner, role="editor")
    with pytest.raises(Forbidden):
        restore_dataset(long_history, 4, actor=editor)


def test_restoring_a_record_changes_only_its_cells(long_history, make_user, owner):
    ds = long_history
    editor = make_user("editor", owner, role="editor")
    plan = plan_record_restore(ds, 1, 2, actor=editor)
    assert [(c.field.name, c.old, c.new) for c in plan.cells] == [("定員", 340, 320)]
    revision, row_id = restore_record(ds, 1, 2, actor=editor)
    assert row_id == 1 and revision.source == "restore" and "restored to revision 2" in revision.message
    assert rows_of(fresh(ds))[1][2] == 320
    assert AuditEntry.objects.filter(action="store.row.restore").count() == 1


def test_a_deleted_record_comes_back_in_its_old_place(long_history):
    ds = long_history
    revision, row_id = restore_record(ds, 3, 3, actor=SYSTEM)
    ds = fresh(ds)
    assert row_id != 3 and revision.added == 1
    rows = list(rows_of(ds).items())
    assert [r[0] for r in rows] == [1, row_id, 6]  # between row 1 and the row with key 6
    assert rows[1][1][:2] == [3, "三宿会館"]


def test_restoring_a_record_to_a_revision_before_it_existed_is_refused(long_history):
    with pytest.raises(RestoreRejected, match="did not exist"):
        restore_record(long_history, 6, 1, actor=SYSTEM)


def test_restoring_a_record_that_already_has_those_values_is_refused(long_history):
    with pytest.raises(RestoreRejected, match="already has"):
        restore_record(long_history, 1, 8, actor=SYSTEM)


def test_an_editor_without_clearance_restores_only_the_columns_they_see(
    do_import, write_csv, make_org, make_user
):
    from kaidan.access.models import AccessGrant
    from kaidan.accounts.models import Organization

    text = "番号,名称,担当者\n1,池尻小学校,山田花子\n"
    ds = do_import(write_csv("p.csv", text), dataset="people", key="番号", secret=("担当者",)).dataset
    set_cell(ds, 1, "名称", "池尻小")
    set_cell(ds, 1, "担当者", "山田太郎")
    partner = make_org("houkatsu", kind=Organization.Kind.PARTNER)
    editor = make_user("partner.editor", partner, role="editor")
    target_type, target_id = ds.access_target
    AccessGrant.objects.create(
        target_type=target_type,
        target_id=target_id,
        organization=partner,
        permission="edit",
        clearance="limited",
    )
    ds = fresh(ds)
    plan = plan_record_restore(ds, 1, 1, actor=editor)
    assert [(c.field.name, c.old, c.new) for c in plan.cells] == [("名称", "池尻小", "池尻小学校")]
    restore_record(ds, 1, 1, actor=editor)
    assert rows_of(fresh(ds))[1][1:] == ["池尻小学校", "山田太郎"]
