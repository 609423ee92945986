"""A small ward for the map tests: the ward's own address list (町丁目 → 緯度/経度), a public list of
facilities with addresses but no coordinates, and a 限定 register of visits with districts, coordinates and a
秘 column, shared with a partner who sees only its own district's rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kaidan.access.actors import SYSTEM
from kaidan.access.levels import Level
from kaidan.accounts.models import Organization, User
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.sharing.services import grant_access

TOWNS = """町丁目,緯度,経度
池尻一丁目,35.6500,139.6850
池尻二丁目,35.6510,139.6800
池尻三丁目,35.6520,139.6750
池尻三丁目4番,35.6525,139.6755
太子堂二丁目,35.6430,139.6700
三軒茶屋一丁目,35.6420,139.6690
"""
FACILITIES = """名称,住所,種別
池尻児童館,東京都世田谷区池尻３－４－５,児童館
池尻まちづくりセンター,〒154-0001 池尻二丁目10番1号,出張所
太子堂区民集会所,世田谷区太子堂2丁目1-1,集会所
三茶図書館,三軒茶屋1-2-3,図書館
遠くの施設,静岡県焼津市本町2-16-32,その他
住所不明の施設,,その他
"""
VISITS = """番号,地区,件数,金額,緯度,経度,氏名
1,池尻,3,1000,35.651,139.680,秘山一郎
2,池尻,2,500,35.652,139.675,秘川二郎
3,太子堂,5,2000,35.643,139.670,秘田三郎
4,三軒茶屋,1,100,35.642,139.669,秘野四郎
5,太子堂,4,300,35.644,139.671,秘原五郎
"""


@dataclass
class MapWorld:
    dx: Organization
    fukushi: Organization
    partner: Organization
    editor: User
    partner_user: User
    towns: Dataset
    facilities: Dataset
    visits: Dataset


def _import(
    folder: Path,
    name: str,
    text: str,
    *,
    actor: Any,
    org: str,
    title: str,
    level: str,
    columns: dict[str, str] | None = None,
) -> Dataset:
    path = folder / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    plan, _analysis = plan_import(path, dataset=name, organization=org, title=title, classification=level)
    for column in plan.columns:
        column.classification = (columns or {}).get(column.label, level)
    return run_import(plan, actor=actor).dataset


def build(folder: Path, make_org: Any, make_user: Any) -> MapWorld:
    dx = make_org("dx", name="DX推進課")
    fukushi = make_org("fukushi", name="保健福祉政策課")
    partner = make_org("houkatsu", kind=Organization.Kind.PARTNER, name="池尻地域包括支援センター")
    editor = make_user("fukushi.editor", fukushi, role="manager")
    partner_user = make_user("houkatsu.staff", partner, role="viewer")
    towns = _import(
        folder, "town-coordinates", TOWNS, actor=SYSTEM, org="dx", title="町丁目の代表点", level=Level.PUBLIC
    )
    facilities = _import(
        folder, "facilities", FACILITIES, actor=SYSTEM, org="dx", title="区の施設", level=Level.PUBLIC
    )
    visits = _import(
        folder,
        "visits",
        VISITS,
        actor=editor,
        org="fukushi",
        title="訪問記録",
        level=Level.LIMITED,
        columns={"氏名": Level.RESTRICTED},
    )
    grant_access(
        visits,
        actor=editor,
        organization=partner,
        clearance=Level.LIMITED,
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    return MapWorld(dx, fukushi, partner, editor, partner_user, towns, facilities, visits)


def square(lon: float, lat: float, size: float = 0.004) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def boundary_geojson(**extra: Any) -> dict[str, Any]:
    """Three districts (池尻, 太子堂, 三軒茶屋) as squares, named in the property 地区."""
    features = [
        {
            "type": "Feature",
            "properties": {"地区": name, "コード": code},
            "geometry": {"type": "Polygon", "coordinates": square(lon, lat)},
        }
        for name, code, lon, lat in (
            ("池尻", 1, 139.675, 35.650),
            ("太子堂", 2, 139.668, 35.641),
            ("三軒茶屋", 3, 139.660, 35.636),
        )
    ]
    return {"type": "FeatureCollection", "features": features, **extra}
