"""自治体標準オープンデータセット: a dataset in a standard layout (its columns in any order) is checked on its
content before it is published; the portal says whether it conforms; the ward's オープンデータ一覧 is generated
from the published catalogue in the standard layout."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from kaidan.access.actors import SYSTEM
from kaidan.access.levels import Level
from kaidan.catalog.models import Dataset
from kaidan.opendata.services import PublishRefused, publish
from kaidan.opendata.standards import check
from kaidan.values.standards import code_check_digit, match, problem

from .conftest import aed_only

pytestmark = pytest.mark.django_db

AED = (
    "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,住所,方書,緯度,経度,設置位置,電話番号,"
    "内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能日時特記事項,小児対応設備の有無,URL,備考"
)


def test_the_local_government_code_carries_its_check_digit():
    assert [code_check_digit(c) for c in ("13112", "22212", "13000", "01100")] == [1, 7, 1, 2]
    assert problem("都道府県コード又は市区町村コード", "131121") is None
    assert problem("都道府県コード又は市区町村コード", "131122").en.startswith("not a 6-digit")


@pytest.mark.parametrize(
    ("column", "good", "bad"),
    [
        ("緯度", "35.6464", "135.6"),  # a longitude in the latitude column
        ("経度", "139.6532", "39.65"),
        ("電話番号", "03-5432-1111", "０３（５４３２）１１１１"),
        ("開始時間", "09:00", "9時"),
        ("名称_カナ", "セタガヤクヤクショ", "せたがやくやくしょ"),
        ("URL", "https://www.city.setagaya.lg.jp/", "www.city.setagaya.lg.jp"),
    ],
)
def test_each_column_of_the_layout_has_its_value_rule(column, good, bad):
    assert problem(column, good) is None
    assert problem(column, bad) is not None


def test_a_layout_is_recognised_whatever_the_column_order():
    columns = AED.split(",")
    assert match(list(reversed(columns))).key == "aed"
    assert match(columns[:-3]) is None or match(columns[:-3]).key != "aed"  # not all of AED's columns


def _import(tmp_path, make_org, rows: list[str]) -> Dataset:
    make_org("bosai", name="防災課")
    path = tmp_path / "aed.csv"
    path.write_text("\n".join([AED, *rows]) + "\n", encoding="utf-8")
    call_command(  # the facilities' addresses and switchboard numbers are not personal: kept 公開
        "import",
        str(path),
        dataset="aed-std",
        org="bosai",
        yes=True,
        verbosity=0,
        classification="public",
        column_classification=["住所=public", "電話番号=public"],
    )
    return Dataset.objects.get(name="aed-std")


def test_a_standard_dataset_that_breaks_a_rule_is_not_published_and_the_refusal_names_the_value(
    tmp_path, make_org
):
    good = "131121,1,東京都,世田谷区,区役所,クヤクショ,世田谷区世田谷4-21-27,,35.6464,139.6532,1階,03-5432-1111,,,,,,,,有,,"
    bad = "131121,2,東京都,世田谷区,出張所,シュッチョウジョ,世田谷区北沢2-8-18,,135.66,139.67,入口,03-3411-6661,,,,,,,,無,,"
    dataset = _import(tmp_path, make_org, [good, bad])
    result = check(dataset)
    assert result.standard.key == "aed" and result.count == 1
    assert (result.violations[0].row, result.violations[0].column) == (2, "緯度")
    with pytest.raises(PublishRefused) as refused:
        publish(dataset, actor=SYSTEM, reason="施設の代表番号")
    assert "AED設置箇所一覧" in str(refused.value) and "135.66" in str(refused.value)


def test_the_portal_shows_conformance_and_the_list_is_generated_in_the_standard_layout(client):
    call_command("demo", stdout=io.StringIO())
    aed_only()
    page = client.get("/dataset/aed/").content.decode()
    assert "AED設置箇所一覧" in page and "自治体標準オープンデータセット" in page
    response = client.get("/opendata/list.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称"]
    aed = Dataset.objects.get(name="aed")
    assert rows[1][0] == "131121" and rows[1][4] == aed.title and rows[1][8].endswith("/dataset/aed/")
    assert len(rows) == 1 + Dataset.objects.filter(published=True, classification=Level.PUBLIC).count()
