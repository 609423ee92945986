"""Pasting a block of cells (from Excel, a fill down, an undo): one revision, all or nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kaidan.access.models import Permission
from kaidan.access.services import SYSTEM
from kaidan.catalog.selectors import get_row
from kaidan.core.errors import NotFound
from kaidan.editing import services
from kaidan.sharing.services import grant_access
from kaidan.store.models import Revision, RowChange

from .conftest import refresh, row_ids

池尻 = {"field": "地区", "op": "eq", "value": "池尻"}


def values_of(actor, dataset, row_id):
    row = get_row(refresh(dataset), row_id, actor=actor)
    return dict(zip([f.name for f in refresh(dataset).live_fields()], row.values, strict=False))


def revs(world, *keys):
    ids = row_ids(world.dataset)
    return {ids[k]: get_row(world.dataset, ids[k], actor=world.editor).rev for k in keys}


def test_a_block_of_cells_is_saved_as_one_revision(world):
    ds = world.dataset
    ids = row_ids(ds)
    before = refresh(ds).current_revision
    expected = revs(world, "S001", "S002", "S003")
    pasted = services.paste_block(
        ds,
        {
            ids["S001"]: {"地区": "池尻", "定員": "１２５"},  # 池尻 unchanged; full-width digits
            ids["S002"]: {"地区": "三軒茶屋", "定員": "310"},
            ids["S003"]: {"地区": "太子堂", "定員": "△0"},
        },
        expected,
        actor=world.editor,
        message="Excel から貼り付け",
    )
    ds = refresh(ds)
    assert ds.current_revision == before + 1 == pasted.revision.number
    assert Revision.objects.get(dataset=ds, number=ds.current_revision).message == "Excel から貼り付け"
    assert RowChange.objects.filter(revision=pasted.revision).count() == 3
    assert values_of(world.editor, ds, ids["S001"])["定員"] == 125
    assert values_of(world.editor, ds, ids["S002"])["地区"] == "三軒茶屋"
    assert pasted.cells == 4
    assert pasted.previous[ids["S002"]] == {"地区": "三宿", "定員": "300"}
    assert set(pasted.revs.values()) == {pasted.revision.number}

    # Undo: the previous values, as a new revision, through the same service.
    undone = services.paste_block(ds, pasted.previous, pasted.revs, actor=world.editor, message="元に戻す")
    assert undone.revision.number == pasted.revision.number + 1
    assert values_of(world.editor, ds, ids["S002"])["地区"] == "三宿"
    assert values_of(world.editor, ds, ids["S003"])["定員"] == 80


def test_one_invalid_cell_refuses_the_whole_block_naming_the_cell(world):
    ds = world.dataset
    ids = row_ids(ds)
    before = refresh(ds).current_revision
    with pytest.raises(services.InvalidValues) as caught:
        services.paste_block(
            ds,
            {ids["S001"]: {"定員": "130"}, ids["S002"]: {"定員": "たくさん", "開設日": "R2.5.1"}},
            revs(world, "S001", "S002"),
            actor=world.editor,
        )
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (ids["S002"], "定員")
    assert "たくさん" in problem.ja
    assert refresh(ds).current_revision == before
    assert values_of(world.editor, ds, ids["S001"])["定員"] == 120


def test_a_stale_row_refuses_the_block_and_nothing_is_written(world):
    ds = world.dataset
    ids = row_ids(ds)
    expected = revs(world, "S001", "S002")
    services.edit_record(ds, ids["S002"], {"定員": "305"}, expected[ids["S002"]], actor=world.editor2)
    before = refresh(ds).current_revision
    with pytest.raises(services.StaleBlock) as caught:
        services.paste_block(
            ds, {ids["S001"]: {"定員": "1"}, ids["S002"]: {"定員": "2"}}, expected, actor=world.editor
        )
    assert [p.row for p in caught.value.problems] == [ids["S002"]]
    assert "鈴木 一郎" in caught.value.problems[0].ja
    assert refresh(ds).current_revision == before
    assert values_of(world.editor, ds, ids["S001"])["定員"] == 120


def test_key_values_stay_unique_within_the_block(world):
    ds = world.dataset
    ids = row_ids(ds)
    with pytest.raises(services.InvalidValues) as caught:
        services.paste_block(
            ds,
            {ids["S001"]: {"施設番号": "S009"}, ids["S002"]: {"施設番号": "S009"}},
            revs(world, "S001", "S002"),
            actor=world.editor,
        )
    assert any(p.row == ids["S002"] and p.field == "施設番号" for p in caught.value.problems)
    # Swapping two keys within one block is fine.
    services.paste_block(
        ds,
        {ids["S001"]: {"施設番号": "S002"}, ids["S002"]: {"施設番号": "S001"}},
        revs(world, "S001", "S002"),
        actor=world.editor,
    )
    assert values_of(world.editor, ds, ids["S001"])["施設番号"] == "S002"


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


def test_a_scoped_editor_is_refused_a_block_reaching_outside_the_scope(world, scoped_partner):
    ds = world.dataset
    ids = row_ids(ds)
    before = refresh(ds).current_revision
    expected = revs(world, "S001", "S002")
    with pytest.raises(NotFound):  # a row outside the scope: as if it did not exist
        services.paste_block(
            ds, {ids["S001"]: {"定員": "1"}, ids["S002"]: {"定員": "2"}}, expected, actor=scoped_partner
        )
    with pytest.raises(services.InvalidValues) as caught:  # a row the block would move out of the scope
        services.paste_block(ds, {ids["S001"]: {"地区": "三宿"}}, expected, actor=scoped_partner)
    assert caught.value.problems[0].row == ids["S001"]
    assert refresh(ds).current_revision == before
    services.paste_block(ds, {ids["S001"]: {"定員": "99"}}, expected, actor=scoped_partner)
    assert values_of(world.editor, ds, ids["S001"])["定員"] == 99


def test_a_partner_reading_more_rows_than_it_may_edit_is_told_which_rows(world):
    for role, permission, rows in [("viewer", Permission.VIEW, []), ("editor", Permission.EDIT, [池尻])]:
        grant_access(
            world.dataset,
            actor=SYSTEM,
            organization=world.partner_org,
            min_role=role,
            permission=permission,
            clearance="limited",
            row_filter=rows,
        )
    scoped_partner = world.partner
    ds = world.dataset
    ids = row_ids(ds)
    with pytest.raises(services.InvalidValues) as caught:
        services.paste_block(
            ds,
            {ids["S001"]: {"定員": "1"}, ids["S002"]: {"定員": "2"}},
            revs(world, "S001", "S002"),
            actor=scoped_partner,
        )
    assert [p.row for p in caught.value.problems] == [ids["S002"]]
    assert values_of(world.editor, ds, ids["S001"])["定員"] == 120


def test_the_paste_endpoint_answers_json(world, client):
    ds = world.dataset
    ids = row_ids(ds)
    fields = world.fields
    client.force_login(world.editor)
    url = reverse("editing:paste", args=[ds.name])
    expected = {str(k): v for k, v in revs(world, "S001", "S002").items()}
    body = {
        "changes": {
            str(ids["S001"]): {str(fields["定員"].pk): "121"},
            str(ids["S002"]): {str(fields["定員"].pk): "x"},
        },
        "expected": expected,
    }
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["problems"][0]["row"] == ids["S002"]
    assert response.json()["problems"][0]["field"] == str(fields["定員"].pk)
    body["changes"][str(ids["S002"])] = {str(fields["定員"].pk): "301"}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["rows"][str(ids["S002"])]["cells"][str(fields["定員"].pk)]["value"] == "301"
    assert data["undo"]["changes"][str(ids["S002"])] == {str(fields["定員"].pk): "300"}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 409  # the same block again: stale now

    client.force_login(world.viewer)
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 403
