"""The read path's SQL shapes give the same rows whichever form the planner is steered to."""

from __future__ import annotations

import pytest

from kaidan.access.services import SYSTEM
from kaidan.ingest.services import plan_import, run_import
from kaidan.store import selectors as store

pytestmark = pytest.mark.django_db


def test_rows_found_by_a_search_read_the_same_as_lookups_or_as_a_walk_in_display_order(make_org, tmp_path):
    owner = make_org("hokenfukushi")
    path = tmp_path / "施設.csv"
    path.write_text("番号,施設名\n" + "".join(f"{i},施設{i}\n" for i in range(1, 41)), encoding="utf-8")
    plan, _analysis = plan_import(path, dataset="facilities", organization=owner.code)
    ds = run_import(plan, actor=SYSTEM).dataset
    fields = ds.live_fields()
    ids = [3, 7, 8, 12, 20, 21, 25, 33, 39, 40]
    few, few_params = store.with_ids(ids, ds.row_count, page=50)  # 10² < 50 × 40 rows: looked up
    many, many_params = store.with_ids(ids, ds.row_count, page=2)  # 10² > 2 × 40: walked
    assert few.startswith("_id ") and many.startswith(
        "+_id "
    )  # IN json_each(…) on SQLite, = ANY(…) on PostgreSQL
    for offset in (0, 2, 8):
        looked_up = store.fetch_page(ds, fields, where=few, params=few_params, offset=offset, limit=3)
        walked = store.fetch_page(ds, fields, where=many, params=many_params, offset=offset, limit=3)
        assert [r[0] for r in walked] == [r[0] for r in looked_up] == ids[offset : offset + 3]
    assert store.count_rows(ds, where=many, params=many_params) == 10
    assert store.with_ids([], ds.row_count) == ("1 = 0", [])
