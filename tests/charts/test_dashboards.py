"""Dashboards: tiles live with the master data, seen by the rules of datasets, each tile through the viewer's
own relations; public only while every source is public, checked again on every view; CSV/PNG/SVG exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from kaidan.access.levels import Level
from kaidan.charts import publicity, selectors, services
from kaidan.charts.models import Tile
from kaidan.editing.services import set_field_classification
from kaidan.sharing.services import grant_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(ward):
    f, log, facilities = ward["f"], ward["log"], ward["facilities"]
    by_district = services.create_chart(
        actor=ward["editor"],
        title="地区別の相談件数",
        owner=ward["org"],
        dataset=log,
        spec={"type": "bar", "dimension": f(log, "地区")},
        classification=Level.LIMITED,
    )
    total = services.create_chart(
        actor=ward["editor"],
        title="相談の合計金額",
        owner=ward["org"],
        dataset=log,
        spec={"type": "number", "aggregate": "sum", "measure": f(log, "金額")},
        classification=Level.LIMITED,
    )
    capacity = services.create_chart(
        actor=ward["editor"],
        title="種別ごとの定員",
        owner=ward["org"],
        dataset=facilities,
        spec={
            "type": "pie",
            "dimension": f(facilities, "種別"),
            "aggregate": "sum",
            "measure": f(facilities, "定員"),
        },
        classification=Level.PUBLIC,
    )
    dashboard = services.create_dashboard(
        actor=ward["manager"],
        title="相談と施設",
        owner=ward["org"],
        classification=Level.LIMITED,
        slug="soudan",
    )
    for chart in (by_district, total, capacity):
        services.add_tile(dashboard, chart, actor=ward["manager"])
    return {"dashboard": dashboard, "by_district": by_district, "total": total, "capacity": capacity}


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_tiles_are_in_order_and_follow_the_master_data(ward, board):
    shown = selectors.tiles(board["dashboard"], actor=ward["editor"])
    assert [t.tile.chart.title for t in shown] == ["地区別の相談件数", "相談の合計金額", "種別ごとの定員"]
    assert shown[1].shown.data.number == 460
    from kaidan.editing.services import edit_record
    from kaidan.store.selectors import iter_rows_with_rev

    log = ward["log"]
    fields = log.live_fields()
    row_id, rev, _values = next(iter_rows_with_rev(log, fields))
    edit_record(log, row_id, {ward["f"](log, "金額"): "1100"}, rev, actor=ward["editor"])
    assert selectors.tiles(board["dashboard"], actor=ward["editor"])[1].shown.data.number == 1460


def test_tiles_move_resize_and_go(ward, board):
    dashboard = board["dashboard"]
    last = dashboard.tiles.get(chart=board["capacity"])
    services.move_tile(last, -1, actor=ward["manager"])
    assert [t.chart.title for t in dashboard.tiles.all()] == [
        "地区別の相談件数",
        "種別ごとの定員",
        "相談の合計金額",
    ]
    services.resize_tile(last, "wide", actor=ward["manager"])
    assert Tile.objects.get(pk=last.pk).size == "wide"
    services.remove_tile(last, actor=ward["manager"])
    assert dashboard.tiles.count() == 2


def test_a_dashboard_is_seen_by_the_rules_of_datasets_and_each_tile_through_the_viewers_relation(ward, board):
    dashboard = board["dashboard"]
    assert selectors.visible_dashboards(actor=ward["partner"]) == []  # 限定: not shared yet
    assert client(ward["partner"]).get(f"/analysis/dashboards/{dashboard.slug}/").status_code == 404
    grant_access(
        dashboard, actor=ward["manager"], organization=ward["partner"].memberships.get().organization
    )
    page = client(ward["partner"]).get(f"/analysis/dashboards/{dashboard.slug}/")
    assert page.status_code == 200
    shown = selectors.tiles(dashboard, actor=ward["partner"])
    assert dict(shown[0].shown.data.rows) == {"池尻": 3}  # the partner's rows only
    assert shown[1].shown.data.number == 220
    # staff of another department may not open a 限定 dashboard
    assert client(ward["staff"]).get(f"/analysis/dashboards/{dashboard.slug}/").status_code == 404


def test_a_tile_over_data_the_viewer_may_not_see_says_so_without_naming_it(ward, board):
    dashboard = board["dashboard"]
    services.update_dashboard(dashboard, actor=ward["manager"], classification=Level.INTERNAL)
    page = client(ward["staff"]).get(f"/analysis/dashboards/{dashboard.slug}/").content.decode()
    assert page.count("利用できません") + page.count("Not available to you") >= 2
    assert "soudan" not in page.replace(f"/analysis/dashboards/{dashboard.slug}/", "")  # no dataset name
    assert "相談記録" not in page
    assert (
        client(ward["staff"])
        .get(f"/analysis/dashboards/{dashboard.slug}/tiles/{dashboard.tiles.first().pk}.csv")
        .status_code
        == 404
    )


def test_exports_of_a_tile_csv_png_and_svg(ward, board):
    dashboard = board["dashboard"]
    tile = dashboard.tiles.get(chart=board["by_district"])
    c = client(ward["partner"])
    grant_access(
        dashboard, actor=ward["manager"], organization=ward["partner"].memberships.get().organization
    )
    text = c.get(f"/analysis/dashboards/{dashboard.slug}/tiles/{tile.pk}.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "地区" and rows[1:] == [["池尻", "3"]]
    png = c.get(f"/analysis/dashboards/{dashboard.slug}/tiles/{tile.pk}.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = c.get(f"/analysis/dashboards/{dashboard.slug}/tiles/{tile.pk}.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert "太子堂".encode() not in svg.content  # matplotlib's text comments hold only the partner's labels


def test_a_chart_csv_defuses_formulas(ward):
    f, log = ward["f"], ward["log"]
    chart = services.create_chart(
        actor=ward["editor"],
        title="x",
        owner=ward["org"],
        dataset=log,
        spec={"type": "table", "dimension": f(log, "区分")},
    )
    response = client(ward["editor"]).get(f"/analysis/charts/{chart.pk}/chart.csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(rows[1:]) == [["介護", "4"], ["子育て", "2"]]


# --- the public gate -------------------------------------------------------------------------------------


def public_board(ward, board):
    dashboard = services.create_dashboard(
        actor=ward["manager"],
        title="区の施設",
        owner=ward["org"],
        classification=Level.PUBLIC,
        slug="shisetsu",
    )
    services.add_tile(dashboard, board["capacity"], actor=ward["manager"])
    return dashboard


def test_a_dashboard_with_a_non_public_source_is_refused_with_reasons(ward, board):
    dashboard = board["dashboard"]
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_dashboard(dashboard, actor=ward["manager"])
    text = "\n".join(refused.value.reasons)
    assert "地区別の相談件数" in text and "相談の合計金額" in text  # the charts over a 限定 dataset
    assert not dashboard.published
    page = client(ward["manager"]).post(
        f"/analysis/dashboards/{dashboard.slug}/publish", {"do": "publish"}, follow=True
    )
    assert "地区別の相談件数" in page.content.decode()


def test_a_public_dashboard_is_on_the_portal_for_everyone(ward, board):
    dashboard = public_board(ward, board)
    services.publish_dashboard(dashboard, actor=ward["manager"])
    anonymous = client()
    assert "区の施設" in anonymous.get("/dashboards/").content.decode()
    page = anonymous.get("/dashboards/shisetsu/")
    assert page.status_code == 200 and "種別ごとの定員" in page.content.decode()
    tile = dashboard.tiles.get()
    csv_text = anonymous.get(f"/dashboards/shisetsu/tiles/{tile.pk}.csv").content.decode("utf-8-sig")
    assert "図書館" in csv_text and "120" in csv_text


def test_a_public_dashboard_leaves_the_portal_when_a_source_stops_being_public(ward, board):
    dashboard = public_board(ward, board)
    services.publish_dashboard(dashboard, actor=ward["manager"])
    facilities = ward["facilities"]
    set_field_classification(facilities, ward["f"](facilities, "定員"), Level.LIMITED, actor=ward["manager"])
    dashboard.refresh_from_db()
    assert dashboard.published  # still marked, but the gate is checked again on every view
    assert not publicity.is_public(dashboard)
    assert client().get("/dashboards/shisetsu/").status_code == 404
    assert client().get(f"/dashboards/shisetsu/tiles/{dashboard.tiles.get().pk}.png").status_code == 404
    assert "区の施設" not in client().get("/dashboards/").content.decode()


def test_a_chart_over_a_saved_query_or_a_non_public_chart_keeps_a_dashboard_off_the_portal(ward, board):
    from kaidan.analysis.models import SavedQuery

    dashboard = public_board(ward, board)
    services.update_chart(board["capacity"], actor=ward["manager"], classification=Level.INTERNAL)
    assert any("種別ごとの定員" in r and "公開" in r for r in publicity.reasons(dashboard))
    services.update_chart(board["capacity"], actor=ward["manager"], classification=Level.PUBLIC)
    assert publicity.reasons(dashboard) == []
    query = SavedQuery.objects.create(
        title="定員", sql="SELECT 種別, 定員 FROM shisetsu", created_by=ward["editor"]
    )
    over_query = services.create_chart(
        actor=ward["editor"],
        title="クエリの定員",
        owner=ward["org"],
        query=query,
        spec={"type": "bar", "dimension": "種別", "aggregate": "sum", "measure": "定員"},
        classification=Level.PUBLIC,
    )
    services.add_tile(dashboard, over_query, actor=ward["manager"])
    assert any("クエリの定員" in r for r in publicity.reasons(dashboard))
