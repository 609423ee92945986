"""Editing records: typed values, no lost updates, rights, row scopes and the key column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kaidan.access.models import AccessGrant, Permission
from kaidan.access.services import SYSTEM
from kaidan.audit.models import AuditEntry
from kaidan.catalog.selectors import get_row
from kaidan.core.errors import Forbidden, NotFound
from kaidan.editing import services
from kaidan.sharing.services import grant_access
from kaidan.store.models import Revision, RowChange

from .conftest import refresh, row_ids


def values_of(actor, dataset, row_id):
    row = get_row(refresh(dataset), row_id, actor=actor)
    fields = [f.name for f in refresh(dataset).live_fields()]
    return dict(zip(fields, row.values, strict=False)) if row else None


def test_a_save_parses_japanese_forms_and_becomes_one_edit_revision(world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    rev = get_row(ds, row, actor=world.editor).rev

    revision = services.edit_record(
        ds,
        row,
        {"開設日": "令和5年4月1日", "定員": "１，２３４", "予算": "△100"},
        rev,
        actor=world.editor,
        message="年度替わりの更新",
    )

    assert revision.source == Revision.Source.EDIT
    assert revision.author == world.editor
    assert revision.message == "年度替わりの更新"
    assert revision.changed == 1
    values = values_of(world.editor, ds, row)
    assert values["開設日"] == date(2023, 4, 1)
    assert values["定員"] == 1234
    assert values["予算"] == -100
    change = RowChange.objects.get(revision=revision)
    assert change.row_id == row
    assert set(change.old) == {world.fields[n].column for n in ("開設日", "定員", "予算")}
    assert get_row(refresh(ds), row, actor=world.editor).rev == revision.number
    entry = AuditEntry.objects.filter(action="store.revision.edit").last()
    assert entry.detail["row"] == row and entry.detail["revision"] == revision.number


def test_short_wareki_and_empty_text_work_too(world):
    ds = world.dataset
    row = row_ids(ds)["S002"]
    rev = get_row(ds, row, actor=world.editor).rev
    services.edit_record(ds, row, {"開設日": "R5.4.1", "予算": ""}, rev, actor=world.editor)
    values = values_of(world.editor, ds, row)
    assert values["開設日"] == date(2023, 4, 1)
    assert values["予算"] is None


def test_invalid_values_are_refused_with_bilingual_messages_naming_column_and_value(world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    rev = get_row(ds, row, actor=world.editor).rev
    before = refresh(ds).current_revision

    with pytest.raises(services.InvalidValues) as caught:
        services.edit_record(ds, row, {"開設日": "4月ごろ", "定員": "たくさん"}, rev, actor=world.editor)

    errors = caught.value.by_field()
    assert set(errors) == {"開設日", "定員"}
    date_error = errors["開設日"][0]
    assert "開設日" in date_error.ja and "4月ごろ" in date_error.ja
    assert "開設日" in date_error.en and "4月ごろ" in date_error.en and "not a valid date" in date_error.en
    assert refresh(ds).current_revision == before


def test_a_save_from_a_stale_form_is_refused_with_the_other_persons_values_and_name(world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    seen = get_row(ds, row, actor=world.editor).rev
    first = services.edit_record(ds, row, {"定員": "150"}, seen, actor=world.editor2)

    with pytest.raises(services.StaleRecord) as caught:
        services.edit_record(ds, row, {"定員": "130", "施設名": "池尻小"}, seen, actor=world.editor)

    stale = caught.value
    assert stale.rev == first.number
    assert stale.current["定員"] == 150
    assert stale.current["施設名"] == "池尻小学校"
    assert stale.changed_by == "鈴木 一郎"
    assert stale.changed_at == first.created_at
    values = values_of(world.editor, ds, row)
    assert values["定員"] == 150 and values["施設名"] == "池尻小学校"
    assert refresh(ds).current_revision == first.number


def test_the_stale_refusal_shows_only_columns_the_user_may_see(world, make_user):
    ds = world.dataset
    AccessGrant.objects.create(
        target_type="catalog.dataset",
        target_id=ds.pk,
        organization=world.partner_org,
        permission=Permission.EDIT,
        clearance="limited",
    )
    row = row_ids(ds)["S001"]
    seen = get_row(ds, row, actor=world.partner).rev
    services.edit_record(ds, row, {"連絡先メモ": "新しい秘密"}, seen, actor=world.editor)

    with pytest.raises(services.StaleRecord) as caught:
        services.edit_record(ds, row, {"定員": "1"}, seen, actor=world.partner)

    assert "連絡先メモ" not in caught.value.current
    assert "定員" in caught.value.current


def test_a_row_deleted_meanwhile_is_a_stale_refusal_too(world):
    ds = world.dataset
    row = row_ids(ds)["S003"]
    seen = get_row(ds, row, actor=world.editor).rev
    services.delete_records(ds, {row: seen}, actor=world.editor2)

    with pytest.raises(services.StaleRecord) as caught:
        services.edit_record(ds, row, {"定員": "1"}, seen, actor=world.editor)
    assert caught.value.deleted
    assert caught.value.changed_by == "鈴木 一郎"


def test_viewers_cannot_edit_and_nothing_is_written(world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    rev = get_row(ds, row, actor=world.viewer).rev
    with pytest.raises(Forbidden):
        services.edit_record(ds, row, {"定員": "1"}, rev, actor=world.viewer)
    with pytest.raises(Forbidden):
        services.add_record(ds, {"施設番号": "S009"}, actor=world.viewer)
    with pytest.raises(Forbidden):
        services.delete_records(ds, {row: rev}, actor=world.viewer)


def test_a_column_the_actor_may_not_see_cannot_be_edited(world):
    ds = world.dataset
    AccessGrant.objects.create(
        target_type="catalog.dataset",
        target_id=ds.pk,
        organization=world.partner_org,
        permission=Permission.EDIT,
        clearance="limited",
    )
    row = row_ids(ds)["S001"]
    rev = get_row(ds, row, actor=world.partner).rev
    with pytest.raises(services.InvalidValues) as caught:
        services.edit_record(ds, row, {"連絡先メモ": "上書き"}, rev, actor=world.partner)
    assert caught.value.problems[0].field == "連絡先メモ"
    assert "上書き" not in str(caught.value)
    assert values_of(world.editor, ds, row)["連絡先メモ"] == "校長室"


@pytest.fixture
def scoped_partner(world):
    grant_access(
        world.dataset,
        actor=SYSTEM,
        organization=world.partner_org,
        permission=Permission.EDIT,
        clearance="limited",
        row_filter=[{"field": "地区", "op": "eq", "value": "池尻"}],
    )
    return world.partner


def test_a_partner_with_a_row_scope_edits_only_its_rows(world, scoped_partner):
    ds = world.dataset
    ids = row_ids(ds)
    rev = get_row(ds, ids["S001"], actor=world.editor).rev
    services.edit_record(ds, ids["S001"], {"定員": "99"}, rev, actor=scoped_partner)
    assert values_of(world.editor, ds, ids["S001"])["定員"] == 99

    other_rev = get_row(ds, ids["S002"], actor=world.editor).rev
    with pytest.raises(NotFound):
        services.edit_record(ds, ids["S002"], {"定員": "1"}, other_rev, actor=scoped_partner)
    with pytest.raises(NotFound):
        services.delete_records(ds, {ids["S002"]: other_rev}, actor=scoped_partner)


def test_a_scoped_partner_cannot_move_a_row_out_of_its_scope_or_add_one_outside(world, scoped_partner):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    rev = get_row(ds, row, actor=scoped_partner).rev
    with pytest.raises(services.InvalidValues) as caught:
        services.edit_record(ds, row, {"地区": "三宿"}, rev, actor=scoped_partner)
    assert "担当範囲" in caught.value.problems[0].ja
    with pytest.raises(services.InvalidValues):
        services.add_record(ds, {"施設番号": "S010", "地区": "三宿"}, actor=scoped_partner)
    added = services.add_record(ds, {"施設番号": "S011", "地区": "池尻"}, actor=scoped_partner)
    assert get_row(refresh(ds), added.row_id, actor=scoped_partner) is not None


def test_the_key_column_stays_unique_and_filled(world):
    ds = world.dataset
    ids = row_ids(ds)
    rev = get_row(ds, ids["S002"], actor=world.editor).rev
    with pytest.raises(services.InvalidValues) as caught:
        services.edit_record(ds, ids["S002"], {"施設番号": "S001"}, rev, actor=world.editor)
    problem = caught.value.problems[0]
    assert problem.field == "施設番号" and "S001" in problem.ja and "already" in problem.en
    with pytest.raises(services.InvalidValues):
        services.add_record(ds, {"施設番号": "S003", "施設名": "重複"}, actor=world.editor)
    with pytest.raises(services.InvalidValues) as caught:
        services.add_record(ds, {"施設名": "キーなし"}, actor=world.editor)
    assert "空" in caught.value.problems[0].ja


def test_adding_a_record_writes_a_revision_with_the_typed_values(world):
    ds = world.dataset
    added = services.add_record(
        ds,
        {"施設番号": "S004", "施設名": "新設避難所", "開設日": "H31.4.30", "定員": "50"},
        actor=world.editor,
    )
    assert added.revision.added == 1 and added.revision.source == "edit"
    values = values_of(world.editor, ds, added.row_id)
    assert values["開設日"] == date(2019, 4, 30)
    assert values["定員"] == 50
    assert refresh(ds).row_count == 4


def test_deleting_records_checks_each_rev_and_keeps_history(world):
    ds = world.dataset
    ids = row_ids(ds)
    revs = {ids[k]: get_row(ds, ids[k], actor=world.editor).rev for k in ("S001", "S002")}
    revision = services.delete_records(ds, revs, actor=world.editor, message="閉鎖")
    assert revision.removed == 2
    assert refresh(ds).row_count == 1
    assert get_row(refresh(ds), ids["S001"], actor=world.editor) is None
    assert get_row(refresh(ds), ids["S001"], actor=world.editor, as_of=revision.number - 1) is not None


def test_a_stale_delete_is_refused(world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    seen = get_row(ds, row, actor=world.editor).rev
    services.edit_record(ds, row, {"定員": "7"}, seen, actor=world.editor2)
    with pytest.raises(services.StaleRecord):
        services.delete_records(ds, {row: seen}, actor=world.editor)
    assert refresh(ds).row_count == 3


def test_a_decimal_column_keeps_its_precision(world):
    ds = world.dataset
    services.add_field(ds, actor=world.manager, label="面積", name="area", type="decimal")
    row = row_ids(ds)["S001"]
    rev = get_row(refresh(ds), row, actor=world.editor).rev
    services.edit_record(refresh(ds), row, {"area": "1,234.5"}, rev, actor=world.editor)
    assert values_of(world.editor, ds, row)["area"] == Decimal("1234.5")


def test_saving_without_changes_writes_no_revision(world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    rev = get_row(ds, row, actor=world.editor).rev
    before = refresh(ds).current_revision
    answer = services.edit_record(ds, row, {"定員": "１２０"}, rev, actor=world.editor)
    assert answer.number == rev
    assert refresh(ds).current_revision == before


def test_bulk_edit_never_moves_rows_out_of_a_partners_scope(world, scoped_partner):
    from kaidan.catalog.selectors import grid_query

    ds = world.dataset
    query = grid_query(ds, {}, actor=scoped_partner)
    assert services.count_matching(ds, query, actor=scoped_partner) == 1
    with pytest.raises(services.InvalidValues):
        services.bulk_edit(ds, query, "地区", "三宿", actor=scoped_partner)
    revision = services.bulk_edit(ds, query, "定員", "10", actor=scoped_partner)
    assert revision.changed == 1
    assert values_of(world.editor, ds, row_ids(ds)["S002"])["定員"] == 300
