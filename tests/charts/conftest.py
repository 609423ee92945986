"""A small ward for charts: a consultation log of four districts with a 秘 column, shared with a partner
that sees only the 池尻 rows, and a public, published dataset of facilities."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kaidan.access.actors import SYSTEM
from kaidan.access.levels import Level
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset
from kaidan.opendata.services import publish
from kaidan.sharing.services import grant_access

ROWS = [
    # 番号, 地区, 区分, 金額, 氏名 (秘)
    (1, "池尻", "介護", 100, "佐藤"),
    (2, "池尻", "子育て", 50, "鈴木"),
    (3, "池尻", "介護", 70, "高橋"),
    (4, "太子堂", "介護", 200, "田中"),
    (5, "太子堂", "子育て", 30, "伊藤"),
    (6, "三宿", "介護", 10, "渡辺"),
]


def _field(dataset: Dataset, label: str) -> str:
    return next(f.name for f in dataset.live_fields() if f.label == label)


@pytest.fixture
def ward(tmp_path, make_org, make_user):
    fukushi = make_org("hokenfukushi", name="保健福祉課")
    shakyo = make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会")
    other = make_org("bosai", name="防災課")
    manager = make_user("kacho", fukushi, role="manager")
    editor = make_user("tanto", fukushi, role="editor")
    partner = make_user("shakyo.staff", shakyo, role="viewer")
    staff = make_user("bosai.staff", other, role="viewer")
    path = tmp_path / "相談記録.csv"
    lines = ["番号,地区,区分,金額,氏名"] + [",".join(str(v) for v in row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command(
        "import",
        str(path),
        dataset="soudan",
        org="hokenfukushi",
        classification="limited",
        column_classification=["氏名=restricted"],
        yes=True,
        verbosity=0,
    )
    log = Dataset.objects.get(name="soudan")
    grant_access(
        log,
        actor=manager,
        organization=shakyo,
        clearance=Level.LIMITED,
        row_filter=[{"field": _field(log, "地区"), "op": "in", "value": ["池尻"]}],
    )
    facilities = tmp_path / "施設.csv"
    facilities.write_text(
        "施設名,種別,定員\n池尻児童館,児童館,40\n太子堂児童館,児童館,35\n三宿図書館,図書館,120\n",
        encoding="utf-8",
    )
    call_command(
        "import",
        str(facilities),
        dataset="shisetsu",
        org="hokenfukushi",
        classification="public",
        yes=True,
        verbosity=0,
    )
    shisetsu = Dataset.objects.get(name="shisetsu")
    publish(shisetsu, actor=SYSTEM, reason="test")
    log.refresh_from_db()
    return {
        "org": fukushi,
        "manager": manager,
        "editor": editor,
        "partner": partner,
        "staff": staff,
        "log": log,
        "facilities": Dataset.objects.get(name="shisetsu"),
        "f": lambda ds, label: _field(ds, label),
    }
