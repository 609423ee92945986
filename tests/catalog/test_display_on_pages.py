"""Yes/no, dates and counts read the same on the grid, its facets and the record page (はい/いいえ)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import

pytestmark = pytest.mark.django_db

CSV = "番号,地区,独居,登録日\n1,三宿,○,2026/12/1\n2,池尻,×,R8.4.1\n3,三宿,○,2026-01-05\n"


@pytest.fixture
def ds(make_org, tmp_path, client, make_user):
    org = make_org("hokenfukushi")
    path = tmp_path / "名簿.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _ = plan_import(path, dataset="meibo", organization=org.code, title="名簿")
    run_import(plan, actor=SYSTEM)
    client.force_login(make_user("editor", org, "editor"))
    return Dataset.objects.get(name="meibo")


def test_yes_no_reads_hai_iie_in_cells_and_facets_and_dates_in_japanese(client, ds):
    page = client.get(reverse("catalog:dataset", kwargs={"name": ds.name}), {"facet": "独居"})
    html = page.content.decode()

    assert ">True<" not in html and ">False<" not in html and "○" not in html
    assert ">はい</td>" in html and ">いいえ</td>" in html
    assert "2026年12月1日" in html and "2026-12-01" not in html
    facet = page.context["grid"].facets[0]
    assert [(v, n) for v, n, _link in facet.values] == [("はい", "2"), ("いいえ", "1")]
    assert facet.values[0][2].endswith("__exact=True&facet=%E7%8B%AC%E5%B1%85")  # links filter on the value


def test_yes_no_in_english_and_on_the_record_page(client, ds):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("catalog:dataset", kwargs={"name": ds.name})).content.decode()
    assert ">Yes</td>" in html and "2026-12-01" in html

    row_id = client.get(reverse("catalog:dataset", kwargs={"name": ds.name})).context["grid"].rows[0].row_id
    client.cookies["django_language"] = "ja"
    record = client.get(
        reverse("editing:record", kwargs={"name": ds.name, "row_id": row_id})
    ).content.decode()
    assert "はい" in record and "True" not in record
