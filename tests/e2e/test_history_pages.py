"""History in a real browser: the revision list, a diff and a record's history pass axe, on a phone too."""

from __future__ import annotations

import pytest

from kaidan.access.services import SYSTEM
from kaidan.ingest.services import plan_import, run_import
from tests.history.conftest import V1, add_field, delete_rows, set_cell

pytestmark = pytest.mark.e2e


@pytest.fixture
def shelters(make_org, make_user, tmp_path):
    org = make_org("hokenfukushi", name="保健福祉政策課")
    make_user("fukushi.manager", org, role="manager")
    path = tmp_path / "shelters.csv"
    path.write_text(V1, encoding="utf-8")
    plan, _analysis = plan_import(path, dataset="shelters", organization=org.code, key="番号", title="避難所")
    ds = run_import(plan, actor=SYSTEM).dataset
    set_cell(ds, 1, "定員", 320)
    delete_rows(ds, 2)
    add_field(ds, "電話", "電話番号", values={1: "03-1111-2222"})
    return ds


def test_revisions_diff_and_record_history_are_accessible(page, shelters, login, assert_accessible):
    login(page, "fukushi.manager")
    page.goto("/datasets/shelters/")
    with page.expect_navigation():
        page.get_by_role("link", name="履歴", exact=True).click()
    assert page.locator("h1").inner_text() == "履歴"
    assert page.get_by_role("rowheader", name="4").is_visible()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="版 3 の変更").click()
    assert "版 2 から版 3 への変更" in page.locator("h1").inner_text()
    assert page.get_by_text("太子堂中学校").is_visible()
    assert_accessible(page)

    page.fill("#id_from", "1")
    page.fill("#id_to", "4")
    with page.expect_navigation():
        page.get_by_role("button", name="比較").click()
    assert page.get_by_role("rowheader", name="電話番号").first.is_visible()  # the column change
    assert_accessible(page)

    page.goto("/datasets/shelters/rows/1/history")
    assert page.get_by_role("cell", name="320").is_visible()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="このレコードを版 1 に戻す").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="復元").click()
    assert page.get_by_role("status").inner_text().startswith("行 1 を版 1 に戻しました")

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/datasets/shelters/diff?from=1&to=5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    page.goto("/datasets/shelters/restore?revision=1")
    assert_accessible(page)
