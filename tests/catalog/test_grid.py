"""The dataset grid: filters, sort, paging, facets, column choice, masking and row scopes — in SQL,
through the access service, so no filter, sort or facet can reveal a column the reader may not see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.http import QueryDict

from kaidan.access.models import AccessGrant
from kaidan.access.services import SYSTEM
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.selectors import (
    MASK,
    get_row,
    grid_query,
    iter_visible_rows,
    matching_row_ids,
    query_rows,
)
from kaidan.ingest.services import plan_import, run_import
from kaidan.sharing.services import grant_access
from kaidan.store import selectors as store
from kaidan.store.services import RevisionWriter, open_revision

pytestmark = pytest.mark.django_db

CSV = (
    "番号,施設名,地区,定員,開設日,所得\n"
    "1,池尻小学校,池尻,300,令和2年4月1日,100\n"
    '2,太子堂中学校,太子堂,"1,200",2021/4/1,200\n'
    "3,三宿保育園,三宿,,R3.5.1,300\n"
    "4,池尻児童館,池尻,40,2019-10-01,400\n"
    "5,太子堂まちセン,太子堂,80,,500\n"
)


@pytest.fixture
def world(make_org, make_user, tmp_path):
    owner = make_org("hokenfukushi")
    other = make_org("bosai")
    partner = make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会")
    path = tmp_path / "施設.csv"
    path.write_bytes(CSV.encode("cp932"))
    plan, _analysis = plan_import(
        path,
        dataset="facilities",
        organization=owner.code,
        key="番号",
    )
    for column in plan.columns:
        if column.label == "所得":
            column.classification = "restricted"
    run_import(plan, actor=SYSTEM)
    ds = Dataset.objects.get(name="facilities")
    return {
        "ds": ds,
        "editor": make_user("editor", owner, "editor"),
        "staff": make_user("staff", other, "viewer"),
        "partner": make_user("partner", partner, "viewer"),
        "partner_org": partner,
    }


def grid(actor, ds, qs: str = ""):
    return query_rows(ds, grid_query(ds, QueryDict(qs), actor=actor), actor=actor)


def names(page) -> list[str]:
    index = [c.field.name for c in page.columns].index("施設名")
    return [row.values[index] for row in page.rows]


def test_the_first_page_shows_rows_in_their_original_order_with_the_total(world):
    page = grid(world["editor"], world["ds"], "size=2")
    assert page.total == 5
    assert page.pages == 3
    assert names(page) == ["池尻小学校", "太子堂中学校"]
    assert names(grid(world["editor"], world["ds"], "size=2&page=3")) == ["太子堂まちセン"]


def test_filters_read_values_the_way_japanese_documents_write_them(world):
    ds, editor = world["ds"], world["editor"]
    assert names(grid(editor, ds, "地区__exact=池尻")) == ["池尻小学校", "池尻児童館"]
    assert names(grid(editor, ds, "定員__gte=１００")) == ["池尻小学校", "太子堂中学校"]
    assert names(grid(editor, ds, "開設日__lt=令和3年1月1日")) == ["池尻小学校", "池尻児童館"]
    assert names(grid(editor, ds, "開設日__isnull=1")) == ["太子堂まちセン"]
    assert names(grid(editor, ds, "施設名__contains=児童")) == ["池尻児童館"]
    assert names(grid(editor, ds, "地区__in=三宿,太子堂")) == ["太子堂中学校", "三宿保育園", "太子堂まちセン"]
    assert grid(editor, ds, "地区__exact=池尻&定員__lt=100").total == 1


def test_a_filter_value_of_the_wrong_type_is_explained_and_ignored(world):
    page = grid(world["editor"], world["ds"], "定員__gte=たくさん")
    assert page.total == 5
    (error,) = page.query.errors
    assert "定員" in error and "たくさん" in error and "not a valid" in error


def test_sorting_puts_empty_values_last_in_both_directions(world):
    ds, editor = world["ds"], world["editor"]
    assert names(grid(editor, ds, "sort=定員")) == [
        "池尻児童館",
        "太子堂まちセン",
        "池尻小学校",
        "太子堂中学校",
        "三宿保育園",
    ]
    assert names(grid(editor, ds, "sort=定員&desc=1"))[:2] == ["太子堂中学校", "池尻小学校"]
    assert names(grid(editor, ds, "sort=定員&desc=1"))[-1] == "三宿保育園"


def test_facets_count_values_among_the_filtered_rows_and_link_to_a_filter(world):
    page = grid(world["editor"], world["ds"], "facet=地区&定員__notnull=1")
    (facet,) = page.facets
    counts = {value: n for value, n, _link in facet.values}
    assert counts == {"池尻": 2, "太子堂": 2}
    link = next(link for value, _n, link in facet.values if value == "池尻")
    assert grid(world["editor"], world["ds"], link).total == 2


def test_choosing_columns_shows_only_those(world):
    page = grid(world["editor"], world["ds"], "cols=施設名&cols=地区")
    assert [c.field.name for c in page.columns] == ["施設名", "地区"]
    assert page.rows[0].values == ["池尻小学校", "池尻"]


def test_columns_above_the_clearance_cannot_be_filtered_sorted_or_faceted(world):
    ds, staff = world["ds"], world["staff"]
    page = grid(staff, ds, "所得__gte=300&sort=所得&facet=所得&cols=所得")
    assert page.total == 5  # the filter on 所得 was dropped, not applied
    assert page.query.sort is None and not page.query.facets
    assert "所得" not in [c.field.name for c in page.columns]
    assert all("500" not in str(v) for row in page.rows for v in row.values)


def test_a_masked_dataset_shows_the_column_but_never_its_values(world):
    ds = world["ds"]
    ds.masking = "masked"
    ds.save()
    page = grid(world["staff"], ds)
    masked = [c for c in page.columns if c.masked]
    assert [c.field.name for c in masked] == ["所得"]
    index = page.columns.index(masked[0])
    assert {row.values[index] for row in page.rows} == {MASK}
    # The editor (cleared for 秘) sees the values.
    editor_page = grid(world["editor"], ds)
    assert not any(c.masked for c in editor_page.columns)


def test_a_row_scope_confines_a_partner_in_the_grid_the_record_and_the_export(world):
    ds, partner = world["ds"], world["partner"]
    grant_access(
        ds,
        actor=SYSTEM,
        organization=world["partner_org"],
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    page = grid(partner, ds)
    assert page.total == 2 and names(page) == ["池尻小学校", "池尻児童館"]
    assert grid(partner, ds, "地区__exact=太子堂").total == 0
    rows = list(iter_visible_rows(ds, actor=partner).rows)
    assert len(rows) == 2
    other_id = next(r.row_id for r in grid(world["editor"], ds).rows if "太子堂" in r.values)
    assert get_row(ds, other_id, actor=partner) is None
    assert get_row(ds, other_id, actor=world["editor"]) is not None
    assert len(matching_row_ids(ds, grid_query(ds, QueryDict(""), actor=partner), actor=partner)) == 2


def test_a_row_scope_can_follow_the_viewers_own_organization(world, make_org, make_user):
    ds = world["ds"]
    grant_access(
        ds,
        actor=SYSTEM,
        organization=world["partner_org"],
        clearance="limited",
        row_filter=[{"field": "地区", "op": "viewer_org"}],
    )
    assert grid(world["partner"], ds).total == 0  # no row's 地区 is 社会福祉協議会
    ikejiri = make_org("ikejiri", kind=Organization.Kind.PARTNER, name="池尻")
    grant_access(
        ds,
        actor=SYSTEM,
        organization=ikejiri,
        clearance="limited",
        row_filter=[{"field": "地区", "op": "viewer_org"}],
    )
    assert grid(make_user("ikejiri.staff", ikejiri), ds).total == 2


def test_the_grid_reads_any_past_revision_with_the_same_filters(world):
    ds = world["ds"]
    fields = ds.live_fields()
    with_capacity = next(f for f in fields if f.name == "定員")
    from django.db import transaction

    with transaction.atomic():
        revision = open_revision(ds, actor=SYSTEM, source="edit")
        writer = RevisionWriter(ds, revision, fields)
        row_id, values = next(store.iter_rows(ds, fields))
        new = list(values)
        new[fields.index(with_capacity)] = 999
        writer.update(row_id, values, new)
        writer.finish()
    ds.refresh_from_db()
    assert grid(world["editor"], ds, "定員__gte=900&定員__lt=1000").total == 1
    old = grid(world["editor"], ds, "as_of=1&定員__gte=900&定員__lt=1000")
    assert old.as_of == 1 and old.total == 0
    assert names(grid(world["editor"], ds, "as_of=1&sort=定員&desc=1"))[0] == "太子堂中学校"


def test_iterating_sorted_rows_crosses_keyset_pages_without_losing_or_repeating_rows(world, monkeypatch):
    monkeypatch.setattr(store, "PAGE", 2)
    ds = world["ds"]
    fields = ds.live_fields()
    capacity = next(f for f in fields if f.name == "定員")
    for descending in (False, True):
        rows = list(store.iter_rows(ds, fields, order=capacity, descending=descending))
        values = [v[fields.index(capacity)] for _id, v in rows]
        assert len(rows) == 5 and len({r[0] for r in rows}) == 5
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=descending) and values[-1] is None


def test_typed_values_come_back_typed(world):
    page = grid(world["editor"], world["ds"], "番号__exact=2")
    row = dict(zip([c.field.name for c in page.columns], page.rows[0].values, strict=True))
    assert row["定員"] == 1200 and row["開設日"] == date(2021, 4, 1) and row["所得"] in (200, Decimal(200))
    assert Field.objects.filter(dataset=world["ds"]).count() == 6


def test_an_actor_who_may_not_read_gets_no_rows_even_from_the_selectors(world, make_org, make_user):
    ds = world["ds"]
    ds.classification = "limited"
    ds.save()
    outsider = make_user("outsider", make_org("zaisei"), "viewer")
    page = grid(outsider, ds)
    assert page.total == 0 and page.rows == [] and page.columns == []
    assert list(iter_visible_rows(ds, actor=outsider).rows) == []


def test_reads_of_shared_limited_data_by_a_partner_are_logged_for_who_saw_this(world):
    from kaidan.audit.models import AuditEntry

    ds = world["ds"]
    AccessGrant.objects.create(
        target_type=ds.access_target[0],
        target_id=ds.pk,
        organization=world["partner_org"],
        clearance="limited",
    )
    ds.classification = "limited"
    ds.save()
    grid(world["editor"], ds)  # the owner's editor reads 秘 → logged as such
    grid(world["partner"], ds)
    actions = list(AuditEntry.objects.filter(object_id=str(ds.pk)).values_list("actor_label", "action"))
    assert ("partner", "store.read_shared.view") in actions
    assert ("editor", "store.read_restricted.view") in actions
    assert not any(label == "editor" and action.startswith("store.read_shared") for label, action in actions)


def test_sorted_pages_cross_from_values_to_empty_values_without_losing_or_repeating_rows(world):
    ds, editor = world["ds"], world["editor"]
    expected = names(grid(editor, ds, "sort=定員&size=5"))
    for size in (1, 2, 3, 4):
        pages = -(-5 // size)
        collected = [
            n for p in range(1, pages + 1) for n in names(grid(editor, ds, f"sort=定員&size={size}&page={p}"))
        ]
        assert collected == expected, size
    assert expected[-1] == "三宿保育園"  # the only empty 定員 comes last


def test_a_scoped_partner_is_not_told_how_many_rows_the_whole_dataset_has(world, client):
    ds = world["ds"]
    grant_access(
        ds,
        actor=SYSTEM,
        organization=world["partner_org"],
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    client.force_login(world["partner"])
    html = client.get(f"/datasets/{ds.name}/").content.decode()
    assert "<dd>5</dd>" not in html and "2 行" in html
    client.force_login(world["editor"])
    assert "<dd>5</dd>" in client.get(f"/datasets/{ds.name}/").content.decode()
