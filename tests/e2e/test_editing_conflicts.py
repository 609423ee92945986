"""Two editors in two real browsers: the second save from a stale form or cell is refused, showing the
first editor's value and name, and keeping the second editor's text. Plus axe on the editing pages."""

from __future__ import annotations

import re

import pytest

from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import get_row
from tests.editing.conftest import row_ids
from tests.editing.conftest import world as world  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture
def other_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 800}, locale="ja-JP"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_the_second_save_of_a_record_is_refused_with_the_first_editors_value(
    page, other_page, world, login, assert_accessible
):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    url = f"/datasets/{ds.name}/rows/{row}/"
    login(page, "yamada")
    login(other_page, "suzuki")
    page.goto(url)
    other_page.goto(url)
    assert_accessible(page)

    page.get_by_label("定員").fill("150")
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    assert page.locator(".messages[role=status]").inner_text().strip() == "保存しました。"

    other_page.get_by_label("定員").fill("130")
    with other_page.expect_navigation():
        other_page.get_by_role("button", name="保存", exact=True).click()
    alert = other_page.get_by_role("alert")
    assert "他の人がこのレコードを変更しました" in alert.inner_text()
    assert "山田 花子" in alert.inner_text()
    assert alert.get_by_role("cell", name="150").is_visible()
    assert other_page.get_by_label("定員").input_value() == "130"
    assert "150" in other_page.locator(".conflict").inner_text()
    assert_accessible(other_page)
    assert get_row(world.editor, Dataset.objects.get(pk=ds.pk), row).values[4] == 150

    # Having seen it, B saves again on purpose: now it is B's value.
    with other_page.expect_navigation():
        other_page.get_by_role("button", name="保存", exact=True).click()
    assert get_row(world.editor, Dataset.objects.get(pk=ds.pk), row).values[4] == 130


def test_a_stale_grid_cell_is_refused_with_the_other_persons_value_and_name(page, other_page, world, login):
    ds = world.dataset
    row = row_ids(ds)["S002"]
    field = world.fields["施設名"].pk
    login(page, "yamada")
    login(other_page, "suzuki")
    page.goto(f"/datasets/{ds.name}/")
    other_page.goto(f"/datasets/{ds.name}/")
    cell = f'tr[data-row="{row}"] td[data-field="{field}"]'
    # B starts editing first (live updates never refresh a grid under an open cell editor) ...
    other_page.locator(cell).dblclick()
    stale_editor = other_page.locator(f"{cell} input")
    stale_editor.fill("三宿中")

    # ... then A saves the same cell.
    page.locator(cell).focus()
    page.keyboard.press("Enter")
    editor = page.locator(f"{cell} input")
    editor.fill("三宿中学校（体育館）")
    editor.press("Enter")
    page.locator(cell).filter(has_text="三宿中学校（体育館）").wait_for()
    assert page.locator(cell).inner_text().strip() == "三宿中学校（体育館）"
    saved_rev = Dataset.objects.get(pk=ds.pk).current_revision
    page.wait_for_function(f"document.querySelector('tr[data-row=\"{row}\"]').dataset.rev === '{saved_rev}'")

    stale_editor.press("Enter")
    alert = other_page.locator(".grid-edit-alert")
    alert.filter(has_text="山田 花子").wait_for()
    assert "三宿中学校（体育館）" in alert.inner_text()
    assert alert.get_attribute("role") == "alert"
    assert stale_editor.input_value() == "三宿中"
    assert get_row(world.editor, Dataset.objects.get(pk=ds.pk), row).values[1] == "三宿中学校（体育館）"

    # Escape cancels the edit and shows the saved value again.
    stale_editor.press("Escape")
    assert other_page.locator(f"{cell} input").count() == 0


def test_escape_cancels_a_cell_edit_without_saving(page, world, login):
    ds = world.dataset
    row = row_ids(ds)["S003"]
    cell = f'tr[data-row="{row}"] td[data-field="{world.fields["定員"].pk}"]'
    login(page, "yamada")
    page.goto(f"/datasets/{ds.name}/")
    page.locator(cell).focus()
    page.keyboard.press("Enter")
    page.locator(f"{cell} input").fill("999")
    page.keyboard.press("Escape")
    assert page.locator(cell).inner_text().strip() == "80"
    assert page.evaluate("document.activeElement.dataset.field") == str(world.fields["定員"].pk)


def test_the_schema_bulk_and_new_record_pages_are_accessible(page, world, login, assert_accessible):
    ds = world.dataset
    login(page, "kanri")
    page.goto(f"/datasets/{ds.name}/schema")
    assert_accessible(page)
    type_select = page.locator(f"#type-{world.fields['施設名'].pk}")
    type_select.select_option("integer")
    with page.expect_navigation():
        page.locator("form").filter(has=type_select).get_by_role("button").click()
    assert "池尻小学校" in page.get_by_role("alert").inner_text()
    assert_accessible(page)

    page.goto(f"/datasets/{ds.name}/bulk?q=" + "地区%3D池尻")
    assert_accessible(page)
    page.get_by_label("新しい値").fill("△10")
    page.get_by_label("列", exact=True).select_option("予算")
    with page.expect_navigation():
        page.get_by_role("button", name="確認").click()
    assert re.search(r"\d+ 行の列「予算」", page.locator("#preview").inner_text())
    assert_accessible(page)

    page.goto(f"/datasets/{ds.name}/rows/new")
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
