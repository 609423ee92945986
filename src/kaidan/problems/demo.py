"""The demo ward's KPIs and problems (`kaidan demo`): two gaps a new user understands at once."""

from __future__ import annotations

import datetime
from decimal import Decimal

from kaidan.accounts.models import Organization, User
from kaidan.catalog.models import Dataset

from . import services
from .kpis import measure_sql
from .models import Kpi, Status


def _field(dataset: Dataset, label: str) -> str:
    return next(f.name for f in dataset.live_fields() if f.label == label)


def create_problems() -> None:
    if Kpi.objects.exists() or not Dataset.objects.filter(name__in=["mimamori", "aed"]).count() == 2:
        return
    users = {u.username: u for u in User.objects.all()}
    orgs = {o.code: o for o in Organization.objects.all()}
    mimamori, aed = Dataset.objects.get(name="mimamori"), Dataset.objects.get(name="aed")
    manager, bosai = users["fukushi.manager"], users["bosai.editor"]
    visited = _field(mimamori, "最終訪問日")
    overdue = services.create_kpi(
        actor=manager,
        title="最終訪問から半年以上たった見守り対象者",
        description="令和8年6月1日より前に最後の訪問をした対象者の数。0人が目標。",
        owner=orgs["hokenfukushi"],
        dataset=mimamori,
        sql=measure_sql(mimamori, "count", condition=f"\"{visited}\" < DATE '2026-06-01'"),
        target=Decimal(0),
        direction="lower",
        unit="人",
    )
    problem = services.create_problem(
        actor=manager,
        owner=orgs["hokenfukushi"],
        title="見守り訪問が半年以上空いている対象者がいる",
        purpose="一人暮らしの高齢者の孤立を防ぐ。",
        ideal="すべての対象者を半年以内に一度は訪問している。",
        reality="訪問の記録が社協と包括支援センターで別々に管理され、空いている人が見えない。",
        kpi=overdue,
        organizations=[orgs["shakyo"], orgs["houkatsu-ikejiri"]],
        people=[manager, users["fukushi.editor"]],
    )
    services.change_status(problem, Status.ANALYSING, actor=manager, note="地区ごとの内訳を確認する")
    services.post(
        problem,
        "池尻地区は包括で先月まとめて訪問しました。記録の反映を待っています。",
        actor=users["houkatsu.staff"],
    )
    services.post(
        problem,
        "担当者一人あたりの対象者数が多すぎると感じます。",
        actor=users["fukushi.viewer"],
        anonymous=True,
    )
    services.add_action(
        problem,
        "訪問記録を見守り対象者名簿（原本）に直接入力してもらう",
        actor=manager,
        owner=users["fukushi.editor"],
        due=datetime.date(2027, 1, 31),
    )
    stations = services.create_kpi(
        actor=bosai,
        title="AED設置箇所数",
        description="AED設置箇所一覧の件数。地域防災計画の目標は120か所。",
        owner=orgs["bosai"],
        dataset=aed,
        sql=measure_sql(aed, "count"),
        target=Decimal(120),
        direction="higher",
        unit="か所",
    )
    gap = services.create_problem(
        actor=bosai,
        owner=orgs["bosai"],
        title="AEDが24時間使える場所が足りない",
        ideal="どこで倒れても5分以内に使えるAEDがある。",
        reality="設置箇所の多くが公共施設で、夜間や休日は使えない。",
        kpi=stations,
        organizations=[orgs["machizukuri-sangenjaya"]],
        people=[bosai],
    )
    services.change_status(gap, Status.ACTING, actor=bosai, note="コンビニへの設置を協議")
    services.add_action(
        gap, "区内のコンビニ事業者と設置協定を結ぶ", actor=bosai, owner=bosai, due=datetime.date(2027, 3, 31)
    )
