"""Schema changes: each a revision with its snapshot; history stays readable; a failed retype changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Field
from kaidan.catalog.selectors import get_row, iter_visible_rows
from kaidan.core.errors import Forbidden
from kaidan.editing import services
from kaidan.store.models import Revision
from kaidan.store.selectors import fields_at

from .conftest import refresh, row_ids


def names(dataset):
    return [f.name for f in refresh(dataset).live_fields()]


def test_editors_cannot_change_the_schema(world):
    with pytest.raises(Forbidden):
        services.add_field(world.dataset, actor=world.editor, label="備考")
    with pytest.raises(Forbidden):
        services.set_dataset_classification(world.dataset, "public", actor=world.editor)


def test_adding_a_column_is_a_schema_revision_with_the_new_snapshot(world):
    ds = world.dataset
    before = ds.current_revision
    fld = services.add_field(
        ds,
        actor=world.manager,
        label="収容可能 人数",
        type="integer",
        classification="internal",
        message="列追加",
    )
    revision = Revision.objects.get(dataset=ds, number=before + 1)
    assert revision.source == Revision.Source.SCHEMA and revision.message == "列追加"
    assert [s["id"] for s in revision.schema][-1] == fld.pk
    assert fld.name == "収容可能_人数"
    assert names(ds)[-1] == "収容可能_人数"
    row = get_row(refresh(ds), row_ids(ds)["S001"], actor=world.manager)
    assert row.values[-1] is None
    assert AuditEntry.objects.filter(action="catalog.field.add").exists()


def test_machine_names_must_be_unique_and_slug_like_and_labels_unique(world):
    ds = world.dataset
    with pytest.raises(services.EditRejected) as caught:
        services.add_field(ds, actor=world.manager, label="別名", name="地区")
    assert "地区" in caught.value.problems[0].ja and "already" in caught.value.problems[0].en
    with pytest.raises(services.EditRejected):
        services.add_field(ds, actor=world.manager, label="別名", name="two words")
    with pytest.raises(services.EditRejected):
        services.rename_field(ds, "施設名", actor=world.manager, label="地区")


def test_renaming_keeps_the_history_readable_with_the_old_names(world):
    ds = world.dataset
    old_revision = ds.current_revision
    services.rename_field(ds, "施設名", actor=world.manager, label="避難所名", name="shelter_name")
    ds = refresh(ds)
    assert "shelter_name" in names(ds)
    old = {f.pk: f for f in fields_at(ds, old_revision)}
    new = {f.pk: f for f in fields_at(ds, ds.current_revision)}
    pk = next(pk for pk, f in new.items() if f.name == "shelter_name")
    assert old[pk].label == "施設名" and new[pk].label == "避難所名"


def test_retype_converts_every_value_and_keeps_the_old_column_for_history(world):
    ds = world.dataset
    old_field = Field.objects.get(dataset=ds, name="予算")
    old_revision = ds.current_revision
    new_field = services.retype_field(ds, "予算", "text", actor=world.manager)
    ds = refresh(ds)
    assert new_field.pk != old_field.pk and new_field.position == old_field.position
    assert Field.objects.get(pk=old_field.pk).removed
    assert names(ds).index("予算") == 5
    rows = list(iter_visible_rows(ds, actor=world.manager).rows)
    assert [r[5] for r in rows] == ["1000", "2500", "-50"]
    past = list(iter_visible_rows(ds, actor=world.manager, as_of=old_revision).rows)
    assert [r[5] for r in past] == [1000, 2500, -50]
    assert Revision.objects.get(dataset=ds, number=ds.current_revision).source == "schema"


def test_retype_from_text_reads_japanese_forms(world):
    ds = world.dataset
    services.add_field(ds, actor=world.manager, label="点検日", name="checked")
    ids = row_ids(refresh(ds))
    for key, text in [("S001", "R6.1.15"), ("S002", "令和6年2月1日"), ("S003", "")]:
        row = get_row(refresh(ds), ids[key], actor=world.editor)
        services.edit_record(refresh(ds), ids[key], {"checked": text}, row.rev, actor=world.editor)
    services.retype_field(refresh(ds), "checked", "date", actor=world.manager)
    values = [r[-1] for r in iter_visible_rows(refresh(ds), actor=world.manager).rows]
    assert values == [date(2024, 1, 15), date(2024, 2, 1), None]


def test_a_failed_retype_lists_the_rows_and_values_and_changes_nothing(world):
    ds = world.dataset
    before_fields = [(f.pk, f.type) for f in ds.live_fields()]
    before_revision = ds.current_revision
    field_count = Field.objects.filter(dataset=ds).count()

    with pytest.raises(services.EditRejected) as caught:
        services.retype_field(ds, "施設名", "integer", actor=world.manager)

    problem = caught.value.problems[0]
    assert "3件" in problem.ja and "池尻小学校" in problem.ja and "整数" in problem.ja
    assert "3 values" in problem.en and "'三宿中学校'" in problem.en
    ds = refresh(ds)
    assert [(f.pk, f.type) for f in ds.live_fields()] == before_fields
    assert ds.current_revision == before_revision
    assert Field.objects.filter(dataset=ds).count() == field_count


def test_retyping_the_key_column_moves_the_key_to_the_new_field(world):
    ds = world.dataset
    services.retype_field(ds, "施設番号", "code", actor=world.manager)
    ds = refresh(ds)
    assert ds.key_field.name == "施設番号" and ds.key_field.type == "code" and not ds.key_field.removed
    with pytest.raises(services.InvalidValues):
        services.add_record(ds, {"施設番号": "S001"}, actor=world.editor)


def test_removing_a_column_hides_it_now_but_not_in_history(world):
    ds = world.dataset
    old_revision = ds.current_revision
    services.remove_field(ds, "連絡先メモ", actor=world.manager)
    ds = refresh(ds)
    assert "連絡先メモ" not in names(ds)
    assert "連絡先メモ" in [f.name for f in fields_at(ds, old_revision)]
    with pytest.raises(services.EditRejected):
        services.remove_field(ds, "施設番号", actor=world.manager)


def test_column_classification_changes_who_sees_it(world):
    ds = world.dataset
    services.set_field_classification(ds, "定員", "restricted", actor=world.manager)
    ds = refresh(ds)
    assert "定員" not in [f.name for f in iter_visible_rows(ds, actor=world.viewer).fields]
    assert (
        Revision.objects.get(dataset=ds, number=ds.current_revision).schema[4]["classification"]
        == "restricted"
    )


def test_restricting_a_dataset_needs_a_reason(world):
    ds = world.dataset
    with pytest.raises(services.EditRejected) as caught:
        services.set_dataset_classification(ds, "restricted", actor=world.manager)
    assert caught.value.problems[0].field == "restriction_reason"
    services.set_dataset_classification(ds, "秘", "personal", actor=world.manager)
    ds = refresh(ds)
    assert ds.classification == "restricted" and ds.restriction_reason == "personal"
    entry = AuditEntry.objects.filter(action="catalog.dataset.classify").last()
    assert entry.detail["after"]["classification"] == "restricted"
