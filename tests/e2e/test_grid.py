"""The grid in a real browser: filter with the form, sort with the keyboard, facets, a saved view, on a
desktop and on a 375 px phone, each state passing axe."""

from __future__ import annotations

import pytest

from kaidan.access.services import SYSTEM
from kaidan.ingest.services import plan_import, run_import

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = "番号,施設名,地区,定員\n1,池尻小学校,池尻,300\n2,太子堂中学校,太子堂,1200\n3,池尻児童館,池尻,40\n4,三宿保育園,三宿,\n"


@pytest.fixture
def editor(make_org, make_user, tmp_path):
    org = make_org("hokenfukushi")
    path = tmp_path / "施設.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _ = plan_import(path, dataset="facilities", organization=org.code, title="施設一覧")
    run_import(SYSTEM, plan)
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
