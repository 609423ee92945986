"""In a real browser: the import plan page after reading the file again passes axe (WCAG 2.1 AA)."""

from __future__ import annotations

from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


@pytest.mark.e2e
def test_plan_page_after_reading_a_two_row_header_again_is_accessible(
    page, make_org, make_user, login, assert_accessible
):
    org = make_org("hokenfukushi")
    make_user("editor", org, "editor")
    login(page, "editor")

    page.goto("/import/")
    page.set_input_files("#id_file", str(REAL / "takamatsu" / "Well-Being-results_0112.xlsx"))
    page.fill("#id_dataset", "wellbeing")
    page.fill("#id_header_rows", "1")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert_accessible(page)

    page.fill("#id_redetect-header_rows", "1,2")
    with page.expect_navigation():
        page.click("button[name=redetect]")

    assert page.get_by_role("status").first.is_visible()
    assert page.locator("th[scope=row]", has_text="属性_年代").count() == 1
    assert page.locator("#id_redetect-header_rows").input_value() == "1,2"
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
