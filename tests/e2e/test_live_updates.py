"""Two editors in two real browsers on the same dataset page: what one saves appears on the other's page
within 2 seconds, without a reload, with a note saying who changed what — and a cell the other is editing
is never thrown away."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from kaidan.catalog.models import Dataset
from kaidan.store.selectors import iter_rows
from tests.live.conftest import make_dataset

pytestmark = pytest.mark.e2e


@pytest.fixture
def shelters(db, tmp_path, make_org):
    return make_dataset(tmp_path, make_org("bousai", name="防災課").code)


@pytest.fixture
def editors(shelters, make_user):
    org = shelters.owner
    return (
        make_user("suzuki", org, role="editor", display_name="鈴木 一郎"),
        make_user("yamada", org, role="editor", display_name="山田 花子"),
    )


@pytest.fixture
def other_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 800}, locale="ja-JP"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def cell_selector(dataset: Dataset, row_number: int, label: str) -> str:
    field = next(f for f in dataset.live_fields() if f.label == label)
    row_id = [row_id for row_id, _values in iter_rows(dataset, [field])][row_number]
    return f'tr[data-row="{row_id}"] td[data-field="{field.pk}"]'


def save_cell(page, cell: str, text: str) -> float:
    """Edit a grid cell in the browser (Enter, type, Enter); the moment the save was confirmed."""
    page.locator(cell).focus()
    page.keyboard.press("Enter")
    page.locator(f"{cell} input").fill(text)
    page.locator(f"{cell} input").press("Enter")
    expect(page.locator(cell)).to_have_text(text)
    return time.monotonic()


def test_a_change_appears_on_the_other_editors_page_within_two_seconds_with_who_changed_what(
    page, other_page, shelters, editors, login, assert_accessible
):
    login(page, "suzuki")
    login(other_page, "yamada")
    url = f"/datasets/{shelters.name}/"
    page.goto(url)
    other_page.goto(url)
    cell = cell_selector(shelters, 0, "収容人数")
    expect(other_page.locator(cell)).to_have_text("300")
    before = shelters.current_revision

    saved = save_cell(page, cell, "320")

    expect(other_page.locator(cell)).to_have_text("320", timeout=2000)
    note = other_page.locator(".live-note")
    expect(note).to_contain_text(f"鈴木 一郎さんが 1件を変更しました（版 {before + 1}）", timeout=2000)
    assert time.monotonic() - saved < 2.0
    expect(note).to_have_attribute("aria-live", "polite")
    expect(note.locator("time")).to_be_visible()
    expect(other_page.locator("[data-live-revision]")).to_have_text(str(before + 1))
    expect(other_page.locator("[data-live-revision-detail]")).to_contain_text("鈴木 一郎")
    assert other_page.url.endswith(url)  # no reload, no navigation
    assert other_page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(other_page)

    # The author's own page gets the note too (their change is already in their grid).
    expect(page.locator(".live-note")).to_contain_text("鈴木 一郎さんが", timeout=2000)


def test_a_cell_being_edited_is_kept_and_a_stale_save_is_refused_with_the_first_editors_value(
    page, other_page, shelters, editors, login
):
    login(page, "suzuki")
    login(other_page, "yamada")
    page.goto(f"/datasets/{shelters.name}/")
    other_page.goto(f"/datasets/{shelters.name}/")
    cell = cell_selector(shelters, 1, "施設名")

    # B opens the cell and starts typing ...
    other_page.locator(cell).dblclick()
    typing = other_page.locator(f"{cell} input")
    typing.fill("第二中学校 北棟")

    # ... while A saves the same cell.
    save_cell(page, cell, "第二中学校（体育館）")

    # B is told at once, but the grid is not refreshed under B's open editor: B's text stays.
    expect(other_page.locator(".live-note")).to_contain_text(
        "鈴木 一郎さんが 1件を変更しました", timeout=2000
    )
    other_page.wait_for_timeout(700)
    expect(typing).to_have_value("第二中学校 北棟")
    expect(typing).to_be_focused()

    # B saves from the stale cell: refused, with A's value and name; B's text is still there.
    typing.press("Enter")
    alert = other_page.locator(".grid-edit-alert")
    expect(alert).to_contain_text("鈴木 一郎")
    expect(alert).to_contain_text("第二中学校（体育館）")
    expect(typing).to_have_value("第二中学校 北棟")

    # When B gives up the edit, the deferred refresh runs and B's grid shows A's value.
    typing.press("Escape")
    expect(other_page.locator(cell)).to_have_text("第二中学校（体育館）", timeout=2000)
    expect(other_page.locator(f"{cell} input")).to_have_count(0)
