"""The grid in a real browser: filter with the form, sort with the keyboard, facets, a saved view, on a
desktop and on a 375 px phone, each state passing axe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kaidan.access.services import SYSTEM
from kaidan.ingest.services import plan_import, run_import

# Screenshots of the grid at 1280 and 375 px, to look at (KAIDAN_SCREENSHOTS, default under the data dir).
SCREENSHOTS = Path(
    os.environ.get("KAIDAN_SCREENSHOTS") or Path(os.environ.get("KAIDAN_DATA_DIR", "var")) / "screenshots"
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = "番号,施設名,地区,定員\n1,池尻小学校,池尻,300\n2,太子堂中学校,太子堂,1200\n3,池尻児童館,池尻,40\n4,三宿保育園,三宿,\n"


@pytest.fixture
def editor(make_org, make_user, tmp_path):
    org = make_org("hokenfukushi")
    path = tmp_path / "施設.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _ = plan_import(path, dataset="facilities", organization=org.code, title="施設一覧")
    run_import(plan, actor=SYSTEM)
    return make_user("editor", org, "editor")


def test_filter_sort_facet_and_save_a_view(page, editor, login, assert_accessible):
    login(page, "editor")
    page.goto("/datasets/facilities/")
    assert_accessible(page)
    page.get_by_text("絞り込み・列・集計").click()
    page.select_option("#flt-field", "地区")
    page.select_option("#flt-op", "exact")
    page.fill("#flt-value", "池尻")
    page.locator(".grid-filter button[type=submit]").click()
    rows = page.locator("#grid tbody tr")
    assert rows.count() == 2
    page.get_by_role("link", name="定員").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=*")
    assert page.locator("#grid tbody tr").first.inner_text().find("池尻児童館") >= 0
    assert page.locator('th[aria-sort="ascending"]').count() == 1
    assert_accessible(page)
    page.fill("#id_title", "池尻地区")
    page.get_by_role("button", name="現在の絞り込みをビューとして保存").click()
    page.wait_for_url("**/views/**")
    assert page.locator("#grid tbody tr").count() == 2
    assert_accessible(page)


def test_the_grid_works_on_a_375px_phone(browser, live_server, editor, login, assert_accessible):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 800}, locale="ja-JP"
    )
    page = context.new_page()
    try:
        login(page, "editor")
        page.goto("/datasets/facilities/?facet=地区")
        assert page.locator(".facets").is_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert_accessible(page)
    finally:
        context.close()


def wide_csv(rows: int = 30, columns: int = 30) -> str:
    """A wide dataset like the budget file: 30 columns, long Japanese texts, numbers and dates."""
    header = ["番号"] + [f"項目{i}の名称（詳しい説明つき）" for i in range(1, columns - 2)] + ["金額", "日付"]
    lines = [",".join(header)]
    for r in range(1, rows + 1):
        texts = [f"行{r}列{i}の長い説明文です。" * 4 for i in range(1, columns - 2)]
        lines.append(",".join([str(r), *texts, str(r * 1234), f"2024-04-{r % 28 + 1:02d}"]))
    return "\n".join(lines) + "\n"


@pytest.fixture
def wide(make_org, make_user, tmp_path):
    org = make_org("zaisei")
    path = tmp_path / "wide.csv"
    path.write_text(wide_csv(), encoding="utf-8")
    plan, _ = plan_import(path, dataset="wide", organization=org.code, title="横に長い表", key="番号")
    run_import(plan, actor=SYSTEM)
    return make_user("zaisei.editor", org, "editor")


@pytest.mark.parametrize("width", [1280, 375])
def test_a_wide_dataset_keeps_rows_one_line_high_and_scrolls_inside_its_region(
    browser, live_server, wide, login, assert_accessible, width, tmp_path
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}, locale="ja-JP"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, "zaisei.editor")
        page.goto("/datasets/wide/?size=50&facet=日付")
        heights = page.locator("#grid tbody tr").evaluate_all("rows => rows.map(r => r.offsetHeight)")
        assert len(heights) == 30 and max(heights) < 40, heights
        region = page.locator("#grid .grid-scroll")
        assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls inside …
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0  # … and never widens the page, facets and all
        table_width = page.locator("#grid table").evaluate("t => t.getBoundingClientRect().width")
        assert table_width > width  # not squeezed into a column of one character per line
        # The hint is above the table (in a collapsible help), never beside it.
        assert not page.get_by_role("button", name="直前の保存を取り消す").is_visible()  # nothing to undo yet
        help_box = page.locator("#grid-edit-messages").bounding_box()
        assert help_box["y"] + help_box["height"] <= region.bounding_box()["y"] + 1
        # Long values are cut with an ellipsis and shown in full as the cell's title.
        cell = page.locator("#grid tbody tr").first.locator("td").first
        assert cell.get_attribute("title", timeout=1000) is None  # the key fits
        long_cell = page.locator("#grid tbody tr").first.locator("td").nth(1)
        assert long_cell.get_attribute("title").startswith("行1列1の長い説明文です。")
        long_cell.focus()  # … and in full, over its neighbours, while it has the keyboard focus
        full = page.locator(".grid-full-value")
        assert full.is_visible() and full.inner_text() == long_cell.get_attribute("title")
        assert max(page.locator("#grid tbody tr").evaluate_all("rows => rows.map(r => r.offsetHeight)")) < 40
        assert_accessible(page)
        page.screenshot(path=str(SCREENSHOTS / f"grid-focus-{width}.png"))
        page.keyboard.press("Shift+Tab")
        assert full.count() == 0
        # The header row stays in view while the region scrolls.
        region.evaluate("e => { e.scrollTop = 400; e.scrollLeft = 600; }")
        head = page.locator("#grid thead th").nth(2).bounding_box()
        assert abs(head["y"] - region.bounding_box()["y"]) < 3
        page.locator("#grid-edit-messages").scroll_into_view_if_needed()
        page.evaluate("document.querySelector('#grid-edit-messages').scrollIntoView()")
        page.screenshot(path=str(SCREENSHOTS / f"grid-wide-{width}.png"))
        region.evaluate("e => { e.scrollTop = 0; e.scrollLeft = 0; }")
        assert_accessible(page)
    finally:
        context.close()


def test_columns_resize_by_dragging_and_are_remembered(page, wide, login):
    login(page, "zaisei.editor")
    page.goto("/datasets/wide/")
    th = page.locator("#grid thead th[data-field]").nth(1)
    before = th.bounding_box()["width"]
    handle = th.locator(".col-resize").bounding_box()
    page.mouse.move(handle["x"] + 2, handle["y"] + 5)
    page.mouse.down()
    page.mouse.move(handle["x"] + 122, handle["y"] + 5, steps=5)
    page.mouse.up()
    after = th.bounding_box()["width"]
    assert after - before > 100
    page.reload()
    again = page.locator("#grid thead th[data-field]").nth(1).bounding_box()["width"]
    assert abs(again - after) < 2


def test_the_real_aed_list_is_one_line_per_row(page, make_org, make_user, login):
    """焼津市's AED list (tests/fixtures/real): 50 rows were 22,900 px tall when columns wrapped."""
    org = make_org("bosai")
    path = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "yaizu-opendata" / "222127_aed.csv"
    plan, _ = plan_import(path, dataset="aed", organization=org.code, title="AED設置箇所一覧")
    run_import(plan, actor=SYSTEM)
    make_user("bosai.editor", org, "editor")
    login(page, "bosai.editor")
    page.goto("/datasets/aed/?size=50")
    rows = page.locator("#grid tbody tr")
    assert rows.count() == 50
    assert max(rows.evaluate_all("rows => rows.map(r => r.offsetHeight)")) < 40
    assert page.locator("#grid table").evaluate("t => t.offsetHeight") < 50 * 40
