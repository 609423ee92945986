"""Demo datasets that show the Master DB and sharing at work (used by `kaidan demo`, idempotent).

- aed (防災課, 公開): a real open-data file (焼津市 AED locations, PDL 1.0) — what residents see.
- mimamori (保健福祉政策課, 限定): a fictitious register of elderly residents watched over by partners, with
  秘 columns (name, phone), a 限定 note, row scopes for 社会福祉協議会 (rows it is in charge of) and for
  池尻地域包括支援センター (池尻 rows, may edit), a saved view, and an edit in its history.
- budget-draft (財政課, 未決定): next year's budget draft, hidden outside 財政課 until its planned release.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

from django.http import QueryDict

from kaidan.access.actors import SYSTEM
from kaidan.access.levels import Level
from kaidan.access.models import Permission
from kaidan.accounts.models import Organization, Role, User
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import grid_query
from kaidan.catalog.services import save_view
from kaidan.editing.services import edit_record
from kaidan.ingest.services import plan_import, run_import
from kaidan.opendata.services import publish
from kaidan.sharing.services import grant_access, mark_undecided
from kaidan.store import selectors as store

DATA = Path(__file__).resolve().parent / "demo_data"
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["ハル", "キヨ", "トメ", "一郎", "正男", "フミ", "茂", "久子", "勇", "和子"]
DISTRICTS = ["池尻", "太子堂", "三軒茶屋", "三宿"]
IN_CHARGE = ["社会福祉協議会", "池尻地域包括支援センター"]


def _import(path: Path, *, actor: User, **options: object) -> Dataset:
    plan, _analysis = plan_import(path, **options)  # type: ignore[arg-type]
    return run_import(plan, actor=actor).dataset


def _restrict(plan_columns: list, levels: dict[str, str]) -> None:
    for column in plan_columns:
        if column.label in levels:
            column.classification = levels[column.label]


def create_datasets() -> None:
    if Dataset.objects.filter(name="aed").exists():
        return
    users = {u.username: u for u in User.objects.all()}
    _import(
        DATA / "yaizu_aed.csv",
        actor=users["bosai.editor"],
        dataset="aed",
        organization="bosai",
        title="AED設置箇所一覧（焼津市オープンデータ）",
        classification=Level.PUBLIC,
    )
    # open data on the CKAN-compatible API; its phone numbers are the facilities' own, not personal
    publish(
        Dataset.objects.get(name="aed"), actor=SYSTEM, reason="電話番号は施設の代表番号で、個人の情報ではない"
    )
    with tempfile.TemporaryDirectory() as tmp:
        mimamori = _mimamori(users, Path(tmp))
        _budget(users, Path(tmp))
    shakyo = Organization.objects.get(code="shakyo")
    houkatsu = Organization.objects.get(code="houkatsu-ikejiri")
    manager = users["fukushi.manager"]
    grant_access(
        mimamori,
        actor=manager,
        organization=shakyo,
        clearance=Level.LIMITED,
        row_filter=[{"field": "担当", "op": "viewer_org"}],
    )
    grant_access(
        mimamori,
        actor=manager,
        organization=houkatsu,
        min_role=Role.EDITOR,
        permission=Permission.EDIT,
        clearance=Level.RESTRICTED,
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    editor = users["fukushi.editor"]
    save_view(
        mimamori,
        actor=editor,
        title="池尻地区",
        query=grid_query(mimamori, QueryDict("地区__exact=池尻"), actor=editor),
    )
    row_id, rev, _values = next(store.iter_rows_with_rev(mimamori, mimamori.live_fields()))
    edit_record(
        mimamori,
        row_id,
        {"最終訪問日": "令和8年11月20日"},
        actor=editor,
        expected_rev=rev,
        message="訪問記録の反映",
    )


def _mimamori(users: dict[str, User], tmp: Path) -> Dataset:
    path = tmp / "見守り対象者名簿.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["番号", "氏名", "地区", "年齢", "電話", "担当", "最終訪問日", "備考"])
        for n in range(1, 41):
            writer.writerow(
                [
                    n,
                    f"{FAMILY[n % 10]} {GIVEN[(n * 7) % 10]}（架空）",
                    DISTRICTS[n % 4],
                    70 + (n * 3) % 25,
                    f"03-0000-{n:04d}",
                    IN_CHARGE[n % 2],
                    f"令和8年{1 + n % 10}月{1 + n % 27}日",
                    "要配慮：階段の昇降が困難" if n % 5 == 0 else "",
                ]
            )
    plan, _analysis = plan_import(
        path,
        dataset="mimamori",
        organization="hokenfukushi",
        title="見守り対象者名簿（架空のデモデータ）",
        key="番号",
        classification=Level.LIMITED,
    )
    _restrict(plan.columns, {"氏名": Level.RESTRICTED, "電話": Level.RESTRICTED, "備考": Level.LIMITED})
    return run_import(plan, actor=users["fukushi.editor"]).dataset


def _budget(users: dict[str, User], tmp: Path) -> None:
    path = tmp / "予算案.csv"
    path.write_text(
        "款,項,前年度予算額（千円）,次年度予算案（千円）\n"
        '総務費,総務管理費,"12,345,000","12,890,000"\n'
        '民生費,社会福祉費,"45,600,000","47,210,000"\n'
        '衛生費,保健衛生費,"8,900,000","9,050,000"\n'
        '土木費,道路橋りょう費,"6,700,000","6,420,000"\n'
        '教育費,小学校費,"9,800,000","10,150,000"\n',
        encoding="utf-8",
    )
    budget = _import(
        path,
        actor=users["admin"],
        dataset="budget-draft",
        organization="zaisei",
        title="次年度予算案（未決定）",
        classification=Level.INTERNAL,
    )
    mark_undecided(budget, actor=users["admin"], planned_release=date(2027, 2, 15))
