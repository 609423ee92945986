"""The demo ward's analysis data and dashboards (`kaidan demo`, idempotent).

- budget (財政課, 公開, published): the real 世田谷区 一般歳出 budget file, 2024–2026, trimmed to eight columns.
- facilities (施設営繕担当, 公開, published): a fictitious list of ward facilities with coordinates.
- voices (保健福祉政策課, 庁内): a fictitious log of residents' voices (分野, 地区, 対応状況), no personal data.
- a staff dashboard over the three, and a public one on the open-data portal over the two published ones.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from kaidan.access.actors import SYSTEM
from kaidan.access.levels import Level
from kaidan.accounts.models import Organization, User
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.opendata.services import publish

from . import services
from .models import Chart, Dashboard

DATA = Path(__file__).resolve().parents[1] / "core" / "demo_data"
DISTRICTS = [
    ("池尻", 35.6506, 139.6836), ("太子堂", 35.6432, 139.6717), ("三軒茶屋", 35.6437, 139.6702),
    ("三宿", 35.6487, 139.6850), ("経堂", 35.6513, 139.6360), ("用賀", 35.6262, 139.6335),
    ("成城", 35.6410, 139.6003), ("烏山", 35.6680, 139.6010), ("二子玉川", 35.6114, 139.6268),
]  # fmt: skip
KINDS = [("区民センター", 1800), ("図書館", 1200), ("児童館", 450), ("保育園", 700), ("区立小学校", 6500)]
FIELDS = ["子育て", "高齢・介護", "道路・交通", "ごみ・環境", "防災・防犯", "公園・緑"]
STATES = ["受付", "対応中", "回答済"]


def _import(path: Path, *, actor: User, **options: object) -> Dataset:
    plan, _analysis = plan_import(path, **options)  # type: ignore[arg-type]
    return run_import(plan, actor=actor).dataset


def _field(dataset: Dataset, label: str) -> str:
    return next(f.name for f in dataset.live_fields() if f.label == label)


def _facilities(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["施設名", "種別", "地区", "延床面積（㎡）", "建築年", "緯度", "経度"])
        for i, (district, lat, lon) in enumerate(DISTRICTS):
            for j, (kind, area) in enumerate(KINDS):
                if (i + 2 * j) % 5 == 4 or (j == 4 and i % 2):
                    continue
                writer.writerow(
                    [
                        f"{district}{kind}",
                        kind,
                        district,
                        area + (i * 37 + j * 53) % 400,
                        1965 + (i * 7 + j * 11) % 55,
                        round(lat + 0.002 * (j - 2), 6),
                        round(lon + 0.002 * ((i + j) % 5 - 2), 6),
                    ]
                )


MONTHLY = [12, 14, 18, 22, 17, 15, 20, 26, 24, 21, 27, 24]  # voices received per month (240 in all)


def _voices(path: Path) -> None:
    months = [m for m, n in enumerate(MONTHLY, start=1) for _ in range(n)]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["受付番号", "受付日", "受付月", "分野", "地区", "対応状況"])
        for n, month in enumerate(months, start=1):
            field = FIELDS[(n * 7) % len(FIELDS) if n % 4 else 0]
            state = STATES[0 if n > 220 else 1 if n % 5 == 0 else 2]
            district = DISTRICTS[(n * 5) % len(DISTRICTS)][0]
            writer.writerow(
                [n, f"2026-{month:02d}-{1 + n % 27:02d}", f"2026-{month:02d}", field, district, state]
            )


def create_datasets() -> dict[str, Dataset]:
    found = {d.name: d for d in Dataset.objects.filter(name__in=["budget", "facilities", "voices"])}
    if len(found) == 3:
        return found
    users = {u.username: u for u in User.objects.all()}
    with tempfile.TemporaryDirectory() as tmp:
        if "budget" not in found:
            found["budget"] = _import(
                DATA / "setagaya_budget.csv",
                actor=users["admin"],
                dataset="budget",
                organization="zaisei",
                title="一般会計等 歳出予算（世田谷区、事業別）",
                classification=Level.PUBLIC,
            )
            publish(found["budget"], actor=SYSTEM, reason="区が公表している当初予算の事業別データ")
        if "facilities" not in found:
            path = Path(tmp) / "区立施設一覧.csv"
            _facilities(path)
            found["facilities"] = _import(
                path,
                actor=users["admin"],
                dataset="facilities",
                organization="dx",
                title="区立施設一覧（架空のデモデータ）",
                classification=Level.PUBLIC,
            )
            publish(found["facilities"], actor=SYSTEM, reason="施設の所在地で、個人の情報ではない")
        if "voices" not in found:
            path = Path(tmp) / "区民の声.csv"
            _voices(path)
            found["voices"] = _import(
                path,
                actor=users["fukushi.editor"],
                dataset="voices",
                organization="hokenfukushi",
                title="区民の声 受付記録（架空のデモデータ）",
                classification=Level.INTERNAL,
            )
    return found


def _chart(dataset: Dataset, title: str, level: str, *, actor: User, **spec: object) -> Chart:
    columns = {k: _field(dataset, str(v)) for k, v in spec.items() if k in ("dimension", "measure", "series")}
    filters = [
        {"column": _field(dataset, label), "op": op, "value": value}
        for label, op, value in spec.get("filters", [])  # type: ignore[attr-defined]
    ]
    body = {**spec, **columns, "filters": filters}
    return services.create_chart(
        actor=actor, title=title, owner=dataset.owner, dataset=dataset, spec=body, classification=level
    )


def create_dashboards() -> None:
    if Dashboard.objects.filter(slug__in=["kusei", "setagaya-open"]).exists():
        return
    data = create_datasets()
    budget, facilities, voices = data["budget"], data["facilities"], data["voices"]
    admin = User.objects.get(username="admin")
    public = Level.PUBLIC
    by_kan = _chart(
        budget,
        "令和8年度 款別の歳出予算（千円）",
        public,
        actor=admin,
        type="bar",
        dimension="款",
        aggregate="sum",
        measure="予算額（千円）",
        filters=[("年度", "exact", "2026")],
        limit=15,
    )
    by_year = _chart(
        budget,
        "年度別の歳出予算（千円）",
        public,
        actor=admin,
        type="stacked",
        dimension="年度",
        series="会計",
        aggregate="sum",
        measure="予算額（千円）",
    )
    projects = _chart(
        budget,
        "令和8年度の予算事業数",
        public,
        actor=admin,
        type="number",
        aggregate="count",
        filters=[("年度", "exact", "2026")],
    )
    kinds = _chart(facilities, "種別ごとの区立施設数", public, actor=admin, type="pie", dimension="種別")
    ages = _chart(
        facilities,
        "建築年と延床面積",
        public,
        actor=admin,
        type="scatter",
        dimension="建築年",
        measure="延床面積（㎡）",
    )
    editor = User.objects.get(username="fukushi.editor")
    internal = Level.INTERNAL
    fields = _chart(
        voices,
        "分野別・対応状況別の区民の声",
        internal,
        actor=editor,
        type="stacked",
        dimension="分野",
        series="対応状況",
    )
    open_voices = _chart(
        voices,
        "未回答の区民の声",
        internal,
        actor=editor,
        type="number",
        filters=[("対応状況", "not", "回答済")],
    )
    months = _chart(
        voices, "月ごとの受付件数", internal, actor=editor, type="line", dimension="受付月", limit=12
    )
    dx = Organization.objects.get(code="dx")
    staff = services.create_dashboard(
        actor=admin,
        title="区政データダッシュボード",
        owner=dx,
        classification=internal,
        slug="kusei",
        description="予算、施設、区民の声を一枚で。開くたびに原本データから集計します。",
    )
    for chart, size in (
        (open_voices, "small"),
        (projects, "small"),
        (kinds, "small"),
        (fields, "wide"),
        (by_kan, "medium"),
        (months, "medium"),
        (by_year, "wide"),
    ):
        services.add_tile(staff, chart, actor=admin, size=size)
    portal = services.create_dashboard(
        actor=admin,
        title="世田谷区の予算と施設",
        owner=dx,
        classification=public,
        slug="setagaya-open",
        description="区の当初予算（事業別）と区立施設のオープンデータから。",
    )
    for chart, size in (
        (projects, "small"),
        (kinds, "medium"),
        (by_kan, "wide"),
        (by_year, "wide"),
        (ages, "medium"),
    ):
        services.add_tile(portal, chart, actor=admin, size=size)
    services.publish_dashboard(portal, actor=admin)
