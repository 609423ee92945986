"""The public open-data portal in a real browser: the catalogue and a dataset page pass axe in Japanese and
English, need no horizontal scrolling at 375 px, and draw their chart and map (points on a plain background:
no tiles are fetched). Screenshots at 1280 and 375 px go to KAIDAN_SCREENSHOTS (or the test's tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.e2e

PAGES = [
    ("portal-catalogue", "/dataset/"),
    ("portal-search", "/dataset/?q=市役所&sort=title"),
    ("portal-dataset", "/dataset/aed/"),
    ("portal-filtered", "/dataset/aed/?名称__contains=市役所&chart=設置位置"),
]


@pytest.fixture
def demo(db):
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_portal_is_accessible_fits_a_phone_and_draws_chart_and_map(
    browser, live_server, demo, assert_accessible, width, language, screenshots
):
    shots = screenshots
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, locale="ja-JP"
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    context.set_default_timeout(15_000)
    page = context.new_page()
    blocked: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    try:
        for name, path in PAGES:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == language
            if "/aed/" in path:
                page.wait_for_selector("#map[data-points]")
                assert int(page.get_attribute("#map", "data-points") or 0) > 0
                assert page.locator("#map path.leaflet-interactive").count() > 0  # the points
                assert page.evaluate("!!window.Chart && !!Chart.getChart('chart')")
            assert_accessible(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{path} is {scroll}px wide at {width}px"
            page.screenshot(path=str(shots / f"{name}-{language}-{width}.png"), full_page=True)
    finally:
        context.close()
    assert not blocked, blocked
    assert not outside, f"the portal fetched from elsewhere: {outside}"


def test_a_download_link_downloads_the_csv(page, demo):
    page.goto("/dataset/aed/")
    with page.expect_download() as info:
        page.click("a[href$='format=csv']")
    download = info.value
    assert download.suggested_filename == "aed.csv"
    assert Path(download.path()).read_bytes().startswith(b"\xef\xbb\xbf")
