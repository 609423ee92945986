"""The import-schedule page in a real browser: an editor sets up the nightly pull from a business system,
runs it now, and reads the run log (a failure with its error report, then a good import); axe passes at
1280 and 375 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.imports.conftest import CSV, export_server, ward  # noqa: F401 — fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(
    os.environ.get("KAIDAN_SCREENSHOTS") or Path(os.environ.get("KAIDAN_DATA_DIR", "var")) / "screenshots"
)


def test_an_editor_sets_up_runs_and_reads_a_schedule_on_accessible_pages(
    page,
    ward,  # noqa: F811
    export_server,  # noqa: F811
    immediate_tasks,
    login,
    assert_accessible,  # noqa: F811
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    export_server.serve("/export/facilities.csv", CSV + "3,三宿会館,たくさん\n")
    login(page, "fukushi.editor")
    page.goto("/datasets/facilities/")
    with page.expect_navigation():
        page.get_by_role("link", name="定期取込").click()
    assert page.get_by_role("heading", level=1).inner_text() == "施設一覧 の定期取込"
    assert_accessible(page)

    page.get_by_label("URL（http/https）").check()
    page.fill("#id_url", export_server.url("/export/facilities.csv"))
    page.select_option("#id_cadence", "weekdays")
    page.fill("#id_at", "02:30")
    with page.expect_navigation():
        page.get_by_role("button", name="設定を保存").click()
    assert "設定を保存しました。" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="今すぐ実行").click()
    assert page.locator("table").get_by_text("失敗").count() == 1
    assert page.get_by_role("link", name="エラー一覧（CSV）").count() == 1

    export_server.serve("/export/facilities.csv", CSV + "3,三宿会館,20\n")
    with page.expect_navigation():
        page.get_by_role("button", name="今すぐ実行").click()
    assert page.locator("table").get_by_text("取込済み").count() == 1
    assert_accessible(page)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SCREENSHOTS / f"import-schedule-{width}.png"), full_page=True)
