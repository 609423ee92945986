"""Two editors in two real browsers: the second save from a stale form or cell is refused, showing the
first editor's value and name, and keeping the second editor's text. Plus axe on the editing pages."""

from __future__ import annotations

import re

import pytest

from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import get_row
from kaidan.store.models import RowChange
from tests.e2e.test_grid import SCREENSHOTS
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
    assert get_row(Dataset.objects.get(pk=ds.pk), row, actor=world.editor).values[4] == 150

    # Having seen it, B saves again on purpose: now it is B's value.
    with other_page.expect_navigation():
        other_page.get_by_role("button", name="保存", exact=True).click()
    assert get_row(Dataset.objects.get(pk=ds.pk), row, actor=world.editor).values[4] == 130


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
    assert get_row(Dataset.objects.get(pk=ds.pk), row, actor=world.editor).values[1] == "三宿中学校（体育館）"

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


PASTE = "三軒茶屋\tR3.4.1\n池尻\t2022/5/1\n下馬\t令和6年1月2日\n"


def stored(ds):
    """{施設番号: values} straight from the store (no audited read racing the live server's)."""
    from kaidan.store.selectors import iter_rows

    return {values[0]: values for _row, values in iter_rows(ds, ds.live_fields())}


def paste(page, selector, text):
    """Dispatch a paste event carrying tab-separated text at the focused cell, as Excel's clipboard would."""
    page.locator(selector).focus()
    page.evaluate(
        """text => { const data = new DataTransfer(); data.setData('text/plain', text);
            document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true})); }""",
        text,
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_a_block_pasted_from_excel_is_previewed_and_saved_as_one_revision(
    browser, live_server, world, login, assert_accessible, width
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}, locale="ja-JP"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        ds = world.dataset
        ids = row_ids(ds)
        f = world.fields
        login(page, "yamada")
        page.goto(f"/datasets/{ds.name}/?sort=施設番号")
        before = Dataset.objects.get(pk=ds.pk).current_revision
        start = f'tr[data-row="{ids["S001"]}"] td[data-field="{f["地区"].pk}"]'

        # Arrow keys move between cells; Shift+arrows select a block that Ctrl+C copies as TSV.
        page.locator(start).focus()
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.dataset.field") == str(f["開設日"].pk)
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("Shift+ArrowDown")
        page.keyboard.press("Shift+ArrowRight")
        assert page.locator("td.selected").count() == 4
        copied = page.evaluate(
            """() => { const data = new DataTransfer();
                document.activeElement.dispatchEvent(new ClipboardEvent('copy', {clipboardData: data, bubbles: true}));
                return data.getData('text/plain'); }"""
        )
        assert copied == "池尻\t2019年4月1日\r\n三宿\t2020年5月1日"  # as shown (Excel reads these as dates)

        paste(page, start, PASTE)
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        assert dialog.locator("tbody tr").count() == 6
        assert "三軒茶屋" in dialog.inner_text() and "2019年4月1日" in dialog.inner_text()
        assert_accessible(page)
        page.screenshot(path=str(SCREENSHOTS / f"grid-paste-preview-{width}.png"))
        dialog.get_by_role("button", name="一つの版として保存").click()
        page.locator(".grid-edit-status").filter(has_text="保存しました").wait_for()

        ds = Dataset.objects.get(pk=ds.pk)
        assert ds.current_revision == before + 1
        changes = RowChange.objects.filter(revision__dataset=ds, revision__number=ds.current_revision)
        assert changes.count() == 3
        values = stored(ds)
        assert [values[k][2] for k in ("S001", "S002", "S003")] == ["三軒茶屋", "池尻", "下馬"]
        assert [str(values[k][3]) for k in ("S001", "S002", "S003")] == [
            "2021-04-01",
            "2022-05-01",
            "2024-01-02",
        ]
        assert page.locator(start).inner_text().strip() == "三軒茶屋"
        page.screenshot(path=str(SCREENSHOTS / f"grid-pasted-{width}.png"))
        assert_accessible(page)

        # Undo writes the previous values back as a new revision.
        page.get_by_role("button", name="直前の保存を取り消す").click()
        page.locator(start).filter(has_text="池尻").wait_for()
        ds = Dataset.objects.get(pk=ds.pk)
        assert ds.current_revision == before + 2
        assert stored(ds)["S003"][2] == "太子堂"
    finally:
        context.close()


def test_a_refused_block_marks_its_cells_and_saves_nothing(page, world, login):
    ds = world.dataset
    ids = row_ids(ds)
    f = world.fields
    login(page, "yamada")
    page.goto(f"/datasets/{ds.name}/?sort=施設番号")
    before = Dataset.objects.get(pk=ds.pk).current_revision
    width_before = page.locator("#grid table").evaluate("t => t.getBoundingClientRect().width")
    paste(page, f'tr[data-row="{ids["S001"]}"] td[data-field="{f["定員"].pk}"]', "130\nたくさん\n")
    page.get_by_role("dialog").get_by_role("button", name="一つの版として保存").click()
    bad = page.locator(f'tr[data-row="{ids["S002"]}"] td[data-field="{f["定員"].pk}"]')
    page.locator(f'{bad_selector(ids, f)}[aria-invalid="true"]').wait_for()
    assert "たくさん" in page.get_by_role("alert").inner_text()
    assert bad.inner_text().strip() == "300"
    assert Dataset.objects.get(pk=ds.pk).current_revision == before
    # The message is above the table: the table keeps its width.
    assert page.locator("#grid table").evaluate("t => t.getBoundingClientRect().width") == width_before


def bad_selector(ids, f):
    return f'tr[data-row="{ids["S002"]}"] td[data-field="{f["定員"].pk}"]'


def test_dragging_selects_a_block_and_ctrl_d_fills_down_after_a_preview(page, world, login):
    ds = world.dataset
    ids = row_ids(ds)
    f = world.fields
    login(page, "yamada")
    page.goto(f"/datasets/{ds.name}/?sort=施設番号")
    first = page.locator(f'tr[data-row="{ids["S001"]}"] td[data-field="{f["定員"].pk}"]')
    last = page.locator(f'tr[data-row="{ids["S003"]}"] td[data-field="{f["予算"].pk}"]')
    first.hover()
    page.mouse.down()
    last.hover()
    page.mouse.up()
    assert page.locator("td.selected").count() == 6
    assert "3 行 × 2 列" in page.locator(".grid-edit-status").inner_text()
    before = Dataset.objects.get(pk=ds.pk).current_revision
    page.keyboard.press("Control+d")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert dialog.locator("tbody tr").count() == 4  # 定員 and 予算 of S002 and S003 take S001's
    dialog.get_by_role("button", name="キャンセル").click()
    assert page.get_by_role("dialog").count() == 0
    assert Dataset.objects.get(pk=ds.pk).current_revision == before


def test_a_bad_value_in_a_cell_is_marked_at_the_cell_and_the_table_keeps_its_width(page, world, login):
    ds = world.dataset
    ids = row_ids(ds)
    cell = f'tr[data-row="{ids["S001"]}"] td[data-field="{world.fields["定員"].pk}"]'
    login(page, "yamada")
    page.goto(f"/datasets/{ds.name}/")
    width = page.locator("#grid table").evaluate("t => t.getBoundingClientRect().width")
    region = page.locator("#grid .grid-scroll").bounding_box()
    page.locator(cell).focus()
    page.keyboard.press("x")  # typing starts editing, with what was typed
    page.keyboard.type("たくさん")
    page.keyboard.press("Enter")
    page.locator(f'{cell} input[aria-invalid="true"]').wait_for()
    assert "xたくさん" in page.get_by_role("alert").inner_text()
    assert page.locator("#grid table").evaluate("t => t.getBoundingClientRect().width") == width
    assert page.locator("#grid .grid-scroll").bounding_box()["width"] == region["width"]
    page.keyboard.press("Escape")
    assert page.locator(f"{cell}.invalid").count() == 0
    assert page.locator(cell).inner_text().strip() == "120"
