"""Charts and dashboards in a real browser: the staff and public dashboards, a chart page and the builder pass
axe, need no horizontal scrolling at 375 px, and show their server-drawn charts; a clerk builds a chart
without code and puts it on a dashboard. Screenshots at 1280 and 375 px go to KAIDAN_SCREENSHOTS (or the
test's tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from kaidan.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(db):
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _pages() -> list[tuple[str, str, bool]]:
    from kaidan.charts.models import Chart

    chart = Chart.objects.get(title="令和8年度 款別の歳出予算（千円）")
    return [
        ("public-dashboards", "/dashboards/", False),
        ("public-dashboard", "/dashboards/setagaya-open/", False),
        ("dashboards", "/analysis/dashboards/", True),
        ("dashboard", "/analysis/dashboards/kusei/", True),
        ("charts", "/analysis/charts/", True),
        ("chart", f"/analysis/charts/{chart.pk}/", True),
        (
            "builder",
            "/analysis/charts/new?source=dataset:voices&type=stacked&dimension=地区&series=対応状況",
            True,
        ),
    ]


def _images_drawn(page) -> None:
    page.wait_for_load_state("networkidle")
    broken = page.evaluate(
        "[...document.querySelectorAll('img.chart-image')].filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.src)"
    )
    assert not broken, f"charts not drawn: {broken}"


@pytest.mark.parametrize("width", [1280, 375])
def test_dashboards_and_charts_are_accessible_and_fit_a_phone(
    browser, live_server, demo, login, assert_accessible, width, screenshots
):
    shots = screenshots
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, locale="ja-JP"
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    logged_in = False
    try:
        for name, path, staff in _pages():
            if staff and not logged_in:
                login(page, "fukushi.manager", DEMO_PASSWORD)
                logged_in = True
            page.goto(path)
            _images_drawn(page)
            if name in ("public-dashboard", "dashboard", "chart", "builder"):
                assert page.locator("img.chart-image").count() > 0
            assert_accessible(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{path} is {scroll}px wide at {width}px"
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    finally:
        context.close()
    assert not blocked, blocked


def test_a_clerk_builds_a_chart_without_code_and_puts_it_on_a_dashboard(page, live_server, demo, login):
    login(page, "fukushi.manager", DEMO_PASSWORD)
    page.goto("/analysis/dashboards/")
    page.fill("#d-title", "福祉の区民の声")
    page.fill("#d-slug", "fukushi-koe")
    page.click("#new-dashboard ~ form button[type=submit], section[aria-labelledby=new-dashboard] button")
    page.wait_for_url("**/analysis/dashboards/fukushi-koe/")
    page.goto("/analysis/charts/")
    page.select_option("#source", "dataset:voices")
    page.click("text=次へ")
    page.fill("#b-title", "地区別の区民の声")
    page.select_option("#b-type", "bar")
    page.select_option("#b-dimension", label="地区")
    page.select_option("#f1-column", label="分野")
    page.select_option("#f1-op", "exact")
    page.fill("#f1-value", "子育て")
    page.click("#builder button[type=submit]")
    _images_drawn(page)
    assert page.locator(".builder-preview table tbody tr").count() > 0
    page.click("text=グラフを保存")
    page.wait_for_url("**/analysis/charts/*/")
    assert page.locator("h1").inner_text() == "地区別の区民の声"
    page.select_option("#add-dashboard", "fukushi-koe")
    page.select_option("#add-size", "wide")
    page.click("#add-tile button[type=submit]")
    page.wait_for_url("**/analysis/dashboards/fukushi-koe/")
    assert page.locator(".tile-wide h2", has_text="地区別の区民の声").count() == 1
    _images_drawn(page)
    with page.expect_download() as info:
        page.locator(".tile", has_text="地区別の区民の声").locator("a", has_text="CSV").click()
    assert Path(info.value.path()).read_bytes().startswith(b"\xef\xbb\xbf")
