"""The grid of a real budget file (世田谷区 一般歳出, 10,250 rows × 96 columns): one line per row, its own
horizontal scroll, and a 3×2 block pasted from a tab-separated clipboard saved as one revision — at 1280 and
375 px (issue 10's acceptance)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaidan.access.actors import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.store.models import RowChange
from tests.e2e.test_editing_conflicts import paste
from tests.e2e.test_grid import SCREENSHOTS

BUDGET = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "setagaya-budget" / "ippansaisyutu.csv"


@pytest.fixture
def budget(make_org, make_user):
    owner = make_org("zaisei", name="財政課")
    make_user("zaisei.editor", owner, "editor")
    plan, analysis = plan_import(
        BUDGET, dataset="ippan", organization="zaisei", title="一般歳出", classification="internal"
    )
    dataset = run_import(plan, actor=SYSTEM, analysis=analysis).dataset
    assert dataset.row_count > 10_000 and len(dataset.live_fields()) >= 90
    return dataset


def test_the_budget_grid_keeps_rows_one_line_high_scrolls_sideways_and_takes_a_pasted_block(
    browser, live_server, budget, login, assert_accessible
):
    fields = budget.live_fields()
    pair = next(i for i in range(len(fields) - 1) if fields[i].type == fields[i + 1].type == "text")
    first, second = fields[pair], fields[pair + 1]
    for width in (1280, 375):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 800}, locale="ja-JP"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            login(page, "zaisei.editor", "correct-horse-battery")
            page.goto(f"/datasets/{budget.name}/")
            heights = page.eval_on_selector_all(
                "table.grid tbody tr", "rows => rows.map(r => r.getBoundingClientRect().height)"
            )
            assert len(heights) >= 20 and max(heights) < 48 and max(heights) - min(heights) < 2, heights[:5]
            scroll = page.evaluate(
                """() => { const t = document.querySelector('table.grid'); let e = t.parentElement;
                    while (e && getComputedStyle(e).overflowX === 'visible') e = e.parentElement;
                    return [e.scrollWidth, e.clientWidth, document.documentElement.scrollWidth, window.innerWidth]; }"""
            )
            assert scroll[0] > scroll[1]  # the table scrolls inside its own region…
            assert scroll[2] <= scroll[3] + 1  # …and never widens the page
            page.screenshot(path=str(SCREENSHOTS / f"budget-grid-{width}.png"))
            assert_accessible(page)

            rows = page.eval_on_selector_all(
                "table.grid tbody tr", "rows => rows.slice(0, 3).map(r => r.dataset.row)"
            )
            before = Dataset.objects.get(pk=budget.pk).current_revision
            block = f"試験A{width}\t試験B{width}\n試験C{width}\t試験D{width}\n試験E{width}\t試験F{width}\n"
            paste(page, f'tr[data-row="{rows[0]}"] td[data-field="{first.pk}"]', block)
            dialog = page.get_by_role("dialog")
            dialog.wait_for()
            dialog.get_by_role("button", name="一つの版として保存").click()
            page.locator(".grid-edit-status").filter(has_text="保存しました").wait_for()
            after = Dataset.objects.get(pk=budget.pk)
            assert after.current_revision == before + 1
            changes = RowChange.objects.filter(
                revision__dataset=after, revision__number=after.current_revision
            )
            assert sorted(c.row_id for c in changes) == sorted(int(r) for r in rows)
            assert all(set(c.new) == {first.column, second.column} for c in changes)
        finally:
            context.close()
