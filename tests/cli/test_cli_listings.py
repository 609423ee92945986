"""`kaidan orgs` lists every organization; `kaidan datasets` lists what one user may see of the catalog."""

from __future__ import annotations

import re

import pytest

from kaidan.access.actors import SYSTEM
from kaidan.ingest.services import plan_import, run_import
from kaidan.sharing.services import grant_access

pytestmark = pytest.mark.django_db


def table(out: str) -> list[list[str]]:
    """The printed table as cells (columns are separated by two spaces or more)."""
    return [re.split(r" {2,}", line.strip()) for line in out.splitlines() if line.strip()]


def test_kaidan_orgs_lists_code_name_and_kind_under_japanese_headers(kaidan, ward):
    code, out, _err = kaidan("orgs")

    assert code == 0
    assert table(out) == [
        ["コード", "名称", "種別"],
        ["bosai", "防災課", "課（区の部署）"],
        ["hokenfukushi", "保健福祉政策課", "課（区の部署）"],
        ["shakyo", "社会福祉協議会", "関係機関"],
    ]


def test_the_columns_line_up_on_screen_even_with_double_width_characters(kaidan, ward):
    _code, out, _err = kaidan("orgs")

    def screen_column(line: str, cell: str) -> int:
        before = line[: line.index(cell)]
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in before)

    lines = out.splitlines()
    assert len({screen_column(line, cells[2]) for line, cells in zip(lines, table(out), strict=True)}) == 1


@pytest.fixture
def catalog(tmp_path, ward):
    def load(name: str, title: str, text: str, org: str, classification: str, mode: str = "create"):
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        plan, analysis = plan_import(
            path, dataset=name, title=title, organization=org, classification=classification, mode=mode
        )
        return run_import(plan, actor=SYSTEM, analysis=analysis).dataset

    load("aed", "AED設置場所", "名称\n区役所\n池尻小学校\n三宿中学校\n", "bosai", "public")
    rows = "氏名,地区\n区 太郎,池尻\n区 花子,太子堂\n区 次郎,三宿\n"
    load("mimamori", "見守り対象者名簿", rows, "hokenfukushi", "limited")
    mimamori = load("mimamori", "", rows + "区 三郎,太子堂\n", "", "limited", mode="replace")
    grant_access(
        mimamori,
        actor=SYSTEM,
        organization=ward["shakyo"],
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )


def test_kaidan_datasets_lists_the_catalog_for_the_system_operator_by_default(kaidan, catalog):
    code, out, _err = kaidan("datasets")

    assert code == 0
    assert table(out) == [
        ["名前", "題名", "所有組織", "分類", "行数", "版"],
        ["aed", "AED設置場所", "防災課", "公開", "3", "1"],
        ["mimamori", "見守り対象者名簿", "保健福祉政策課", "限定", "4", "2"],
    ]


def test_kaidan_datasets_shows_a_user_only_what_they_may_see_and_counts_only_their_rows(
    kaidan, catalog, make_user, ward
):
    make_user("shakyo.staff", ward["shakyo"], "viewer")
    make_user("outsider")

    _code, out, _err = kaidan("datasets", "--user=shakyo.staff")
    assert table(out)[1:] == [
        ["aed", "AED設置場所", "防災課", "公開", "3", "1"],
        ["mimamori", "見守り対象者名簿", "保健福祉政策課", "限定", "1", "2"],  # their row in 池尻
    ]

    _code, out, _err = kaidan("datasets", "--user=outsider")
    assert "mimamori" not in out and "見守り" not in out and "aed" in out


def test_kaidan_datasets_refuses_an_unknown_user(kaidan, catalog):
    code, out, err = kaidan("datasets", "--user=nobody")

    assert code == 2 and out == "" and "nobody" in err and "利用者" in err
