"""The maps in a real browser: the analysis map's points and district choropleth, the portal's map placed by
address, and the standard-template page pass axe, fit a 375 px screen, draw what they say (no tiles are
fetched), and keep a table of the same numbers. Screenshots at 1280 and 375 px go to KAIDAN_SCREENSHOTS (or
the test's tmp dir)."""

from __future__ import annotations

import json

import pytest

from kaidan.access.actors import SYSTEM
from kaidan.analysis import boundaries
from kaidan.opendata.services import publish
from tests.maps_world import boundary_geojson, build

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(db, tmp_path, make_org, make_user):
    world = build(tmp_path, make_org, make_user)
    publish(world.facilities, actor=SYSTEM, reason="施設の住所")
    boundary = boundaries.upload_boundary(
        json.dumps(boundary_geojson(), ensure_ascii=False).encode(), title="地区境界", actor=world.editor
    )
    return world, boundary


@pytest.mark.parametrize("width", [1280, 375])
def test_the_maps_are_accessible_fit_a_phone_and_draw(
    browser, live_server, world, assert_accessible, width, screenshots
):
    _world, boundary = world
    shots = screenshots
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, locale="ja-JP"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    blocked: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", "fukushi.editor")
        page.fill("#id_password", "correct-horse-battery")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        pages = [
            ("analysis-map-points", "/analysis/map/?kind=points&source=dataset:visits", "points", 5),
            ("analysis-map-geocoded", "/analysis/map/?kind=points&source=dataset:facilities", "points", 4),
            (
                "analysis-map-choropleth",
                f"/analysis/map/?kind=choropleth&source=dataset:visits&boundary={boundary.pk}&district=地区&measure=sum&value=金額",
                "districts",
                3,
            ),
            ("portal-geocoded", "/dataset/facilities/", "points", 4),
            ("standard-templates", "/import/templates/", "", 0),
        ]
        for name, path, drawn, count in pages:
            page.goto(path)
            if drawn:
                box = "#map" if path.startswith("/dataset/") else "#analysis-map"
                page.wait_for_selector(f"{box}[data-{drawn}]")
                assert int(page.get_attribute(box, f"data-{drawn}") or 0) == count
                assert page.locator(f"{box} path.leaflet-interactive").count() == count
            assert_accessible(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{path} is {scroll}px wide at {width}px"
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        assert (
            "2300" in page.goto(pages[2][1]).text()
        )  # the table has the map's numbers (太子堂: 2,000 + 300)
    finally:
        context.close()
    assert not blocked, blocked
    assert not outside, f"the maps fetched from elsewhere: {outside}"


def test_a_boundary_file_is_uploaded_and_drawn_and_a_bad_one_refused(page, login, world, tmp_path):
    login(page, "fukushi.editor")
    page.goto("/analysis/map/?kind=choropleth&source=dataset:visits")
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"地区": "池尻"},
                        "geometry": {"type": "Point", "coordinates": [139.6, 35.6]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    page.set_input_files("#boundary-file", str(bad))
    with page.expect_navigation():
        page.click("text=アップロードして確認")
    assert "地物 1 (池尻)" in page.locator("[role=alert]").inner_text()
    good = tmp_path / "districts.geojson"
    good.write_text(json.dumps(boundary_geojson(), ensure_ascii=False), encoding="utf-8")
    page.set_input_files("#boundary-file", str(good))
    page.fill("#boundary-title", "新しい境界")
    with page.expect_navigation():
        page.click("text=アップロードして確認")
    assert page.locator("#map-boundary option:checked").inner_text().startswith("新しい境界")
    with page.expect_navigation():
        page.click("main form.map-form button[type=submit]")
    page.wait_for_selector("#analysis-map[data-districts]")
    assert page.locator("table caption", has_text="地図の数値").count() == 1
