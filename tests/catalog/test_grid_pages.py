"""The dataset page in a browser-less client: the grid's links, the filter form, the grid partial used by
live updates, saved views with their own link, and exports of exactly what the grid shows."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from kaidan.access.services import SYSTEM
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset, SavedView
from kaidan.ingest.services import plan_import, run_import

pytestmark = pytest.mark.django_db

CSV = "番号,施設名,地区,定員,所得\n1,池尻小学校,池尻,300,987650\n2,太子堂中学校,太子堂,1200,987651\n3,池尻児童館,池尻,40,987652\n"


@pytest.fixture
def ds(make_org, tmp_path):
    org = make_org("hokenfukushi")
    path = tmp_path / "施設.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _ = plan_import(path, dataset="facilities", organization=org.code, title="施設一覧")
    for column in plan.columns:
        if column.label == "所得":
            column.classification = "restricted"
    run_import(plan, actor=SYSTEM)
    return Dataset.objects.get(name="facilities")


@pytest.fixture
def editor(client, ds, make_user):
    user = make_user("editor", ds.owner, "editor")
    client.force_login(user)
    return user


def url(ds: Dataset) -> str:
    return reverse("catalog:dataset", kwargs={"name": ds.name})


def test_the_page_shows_a_sortable_filtered_grid_with_row_ids_and_revs_for_editing(client, ds, editor):
    response = client.get(url(ds), {"地区__exact": "池尻", "sort": "定員", "desc": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-editable="true"' in html
    assert html.index("池尻小学校") < html.index("池尻児童館")
    assert "太子堂中学校" not in html
    assert 'aria-sort="descending"' in html
    assert 'data-rev="1"' in html


def test_the_add_a_filter_form_redirects_to_a_clean_shareable_link(client, ds, editor):
    response = client.get(
        url(ds), {"sort": "定員", "add_field": "地区", "add_op": "exact", "add_value": "池尻"}
    )
    assert response.status_code == 302
    assert "%E5%9C%B0%E5%8C%BA__exact=%E6%B1%A0%E5%B0%BB" in response.url and "add_field" not in response.url


def test_an_htmx_request_for_the_grid_gets_only_the_grid(client, ds, editor):
    response = client.get(url(ds), headers={"HX-Request": "true", "HX-Target": "grid"})
    html = response.content.decode()
    assert "<table" in html and "<html" not in html and "池尻小学校" in html


def test_a_saved_view_has_its_own_link_and_applies_its_filter(client, ds, editor):
    response = client.post(
        reverse("catalog:create_view", kwargs={"name": ds.name}),
        {"title": "池尻地区", "query": "地区__exact=池尻&cols=施設名"},
    )
    view = SavedView.objects.get(dataset=ds)
    assert response.status_code == 302 and response.url.endswith(f"/views/{view.slug}/")
    page = client.get(response.url).content.decode()
    assert "池尻小学校" in page and "太子堂中学校" not in page and "1200" not in page
    assert AuditEntry.objects.filter(action="view.create").exists()
    # Anyone who may read the dataset may open the view; nobody sees more than their clearance.
    client.post(reverse("catalog:delete_view", kwargs={"name": ds.name, "slug": view.slug}))
    assert not SavedView.objects.exists()


def test_a_viewer_cannot_save_views(client, ds, make_user):
    client.force_login(make_user("viewer", ds.owner, "viewer"))
    response = client.post(
        reverse("catalog:create_view", kwargs={"name": ds.name}), {"title": "x", "query": ""}
    )
    assert response.status_code == 403


def test_a_saved_view_never_reveals_a_column_above_the_readers_clearance(
    client, ds, editor, make_org, make_user
):
    client.post(
        reverse("catalog:create_view", kwargs={"name": ds.name}),
        {"title": "所得順", "query": "sort=所得&所得__gte=987651&cols=所得&cols=施設名"},
    )
    view = SavedView.objects.get(dataset=ds)
    client.force_login(make_user("staff", make_org("bosai"), "viewer"))
    page = client.get(reverse("catalog:view", kwargs={"name": ds.name, "slug": view.slug})).content.decode()
    assert "池尻小学校" in page  # the 所得 filter does not apply for this reader …
    assert "98765" not in page  # … and its values never appear


def test_the_filtered_export_contains_exactly_the_filtered_rows_and_columns(client, ds, editor):
    response = client.get(
        reverse("catalog:export", kwargs={"name": ds.name}),
        {"format": "csv", "地区__exact": "池尻", "cols": ["施設名", "定員"], "sort": "定員"},
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [["施設名", "定員"], ["池尻児童館", "40"], ["池尻小学校", "300"]]
    entry = AuditEntry.objects.filter(action="store.export").latest("seq")
    assert "地区__exact" in entry.detail["query"]


def test_a_big_dataset_gets_indexes_on_the_columns_the_grid_filters_sorts_and_counts(
    client, ds, editor, monkeypatch, immediate_tasks
):
    from django.db import connection

    from kaidan.catalog import services

    monkeypatch.setattr(services, "INDEX_FROM_ROWS", 1)
    monkeypatch.setattr(services, "_index_requested", set())
    client.get(url(ds), {"地区__exact": "池尻", "sort": "定員", "facet": "施設名"})
    indexes = {
        name
        for name, info in connection.introspection.get_constraints(connection.cursor(), ds.table_name).items()
        if info["index"]
    }
    wanted = {f.column for f in ds.live_fields() if f.name in {"地区", "定員", "施設名"}}
    assert {c for c in wanted if any(c in name for name in indexes)} == wanted


def test_column_widths_follow_type_header_and_values_within_bounds():
    from kaidan.catalog.views import MAX_WIDTH, column_width, text_width

    assert text_width("池尻") == 2 and text_width("ab") == 1.1
    assert column_width("integer", "定員", ["120", "300"]) <= 9  # numbers stay narrow
    assert column_width("date", "開設日", ["2019-04-01"]) == 7
    assert column_width("text", "施設名", ["長い説明文です。" * 20]) == 20  # cut with an ellipsis beyond
    assert column_width("text", "備考", []) == 5
    assert column_width("text", "とても長い見出しの列の名前です", ["a"]) == 12  # headers count up to 12 rem
    assert all(
        3 <= column_width(t, "x" * n, ["y" * m]) <= MAX_WIDTH
        for t in ("text", "integer", "boolean", "unknown")
        for n in (0, 50)
        for m in (0, 500)
    )
