"""The diff between two revisions: schema changes, rows added, removed and changed, cell by cell."""

from __future__ import annotations

import pytest

from kaidan.access.services import SYSTEM
from kaidan.history.selectors import diff, revision_at

from .conftest import V1, add_field, change_schema, delete_rows, field, set_cell

pytestmark = pytest.mark.django_db


def by_kind(d):
    result: dict[str, list] = {"added": [], "removed": [], "changed": []}
    for row in d.rows():
        result[row.kind].append(row)
    return result


def cells(row):
    return {c.field.name: (c.old, c.new) for c in row.cells}


def test_an_upsert_shows_added_rows_and_changed_cells_with_the_key(do_import, write_csv):
    ds = do_import(write_csv("v1.csv", V1), key="番号").dataset
    v2 = V1.replace("1,池尻小学校,池尻,300", "1,池尻小学校,池尻,320") + "5,新施設,代沢,10\n"
    ds = do_import(write_csv("v2.csv", v2), mode="upsert").dataset
    d = diff(ds, 1, 2, actor=SYSTEM)
    got = by_kind(d)
    assert [r.key for r in got["added"]] == [5]
    assert cells(got["added"][0])["名称"] == (None, "新施設")
    assert [(r.key, cells(r)) for r in got["changed"]] == [(1, {"定員": (300, 320)})]
    assert got["removed"] == []
    assert d.counts() == {"added": 1, "removed": 0, "changed": 1}


def test_the_diff_reads_either_way_round(do_import, write_csv):
    ds = do_import(write_csv("v1.csv", V1), key="番号").dataset
    set_cell(ds, 1, "定員", 310)
    delete_rows(ds, 2)
    backwards = by_kind(diff(ds, 3, 1, actor=SYSTEM))
    assert [r.row_id for r in backwards["added"]] == [2]
    assert [cells(r) for r in backwards["changed"]] == [{"定員": (310, 300)}]


def test_a_cell_changed_and_changed_back_is_not_a_change(do_import, write_csv):
    ds = do_import(write_csv("v1.csv", V1), key="番号").dataset
    set_cell(ds, 1, "定員", 999)
    set_cell(ds, 1, "定員", 300)
    set_cell(ds, 2, "定員", 1)
    set_cell(ds, 2, "定員", 2)
    got = by_kind(diff(ds, 1, 5, actor=SYSTEM))
    assert [(r.row_id, cells(r)) for r in got["changed"]] == [(2, {"定員": (1200, 2)})]
    # the middle of the history: value at 2 is the new of rev 2, value at 4 the new of rev 4
    middle = by_kind(diff(ds, 2, 4, actor=SYSTEM))
    assert sorted((r.row_id, tuple(cells(r)["定員"])) for r in middle["changed"]) == [
        (1, (999, 300)),
        (2, (1200, 1)),
    ]


def test_rows_added_and_deleted_between_the_revisions_do_not_show(do_import, write_csv):
    ds = do_import(write_csv("v1.csv", V1), key="番号").dataset
    ds = do_import(write_csv("v2.csv", V1 + "5,仮設,代沢,1\n"), mode="upsert").dataset
    delete_rows(ds, 5)
    assert diff(ds, 1, 3, actor=SYSTEM).counts() == {"added": 0, "removed": 0, "changed": 0}
    assert diff(ds, 0, 1, actor=SYSTEM).counts() == {"added": 4, "removed": 0, "changed": 0}


def test_schema_changes_are_listed_from_the_snapshots(do_import, write_csv):
    ds = do_import(write_csv("v1.csv", V1), key="番号").dataset
    add_field(ds, "電話", "電話番号", values={1: "03-1111-2222"})
    change_schema(ds, remove="地区", relabel=("定員", "収容人数"))
    d = diff(ds, 1, 3, actor=SYSTEM)
    kinds = {(c.kind, c.label, c.old, c.new) for c in d.schema}
    assert ("added", "電話番号", "", "Text") in kinds or any(
        k[0] == "added" and k[1] == "電話番号" for k in kinds
    )
    assert any(k[0] == "removed" and k[1] == "地区" for k in kinds)
    assert ("relabeled", "収容人数", "定員", "収容人数") in kinds
    # cells of a column that exists on one side only are not row changes
    assert d.counts()["changed"] == 0


def test_revision_at_a_time_is_the_last_revision_made_by_then(do_import, write_csv):
    ds = do_import(write_csv("v1.csv", V1), key="番号").dataset
    r2 = set_cell(ds, 1, "定員", 310)
    assert revision_at(ds, r2.created_at).number == 2
    assert revision_at(ds, ds.revisions.get(number=1).created_at).number == 1
    assert revision_at(ds, ds.revisions.get(number=1).created_at.replace(year=2000)) is None


def test_big_diffs_stream_in_pages(do_import, write_csv, monkeypatch):
    from kaidan.history import selectors

    monkeypatch.setattr(selectors, "PAGE", 2)
    ds = do_import(write_csv("v1.csv", V1), key="番号").dataset
    for row_id in (1, 2, 3, 4):
        set_cell(ds, row_id, "定員", row_id)
    got = by_kind(diff(ds, 1, 5, actor=SYSTEM))
    assert [(r.row_id, cells(r)["定員"][1]) for r in got["changed"]] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert field(ds, "定員").label == "定員"
