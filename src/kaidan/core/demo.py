"""Demo ward: departments, partner organizations and users for every role.

Idempotent: running it again updates the same objects. Later features add their own demo steps to
DEMO_STEPS (datasets, documents, shares …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from kaidan.accounts.models import Organization, Role, User
from kaidan.accounts.services import create_organization, set_membership

DEMO_PASSWORD = "kaidan-demo-2026"  # noqa: S105 — printed for the demo on purpose

DEPARTMENTS = [
    ("dx", "DX推進課", "区のデジタル化を進める課。"),
    ("hokenfukushi", "保健福祉政策課", "保健福祉施策の企画・調整。"),
    ("bosai", "防災課", "地域防災計画、避難所、備蓄。"),
    ("zaisei", "財政課", "予算編成、決算、財政分析。"),
    ("kodomo", "子ども家庭課", "子育て支援、児童相談の連携。"),
    ("seisou", "清掃・リサイクル課", "ごみの収集、粗大ごみ、リサイクル。"),
]
PARTNERS = [
    ("shakyo", "社会福祉協議会", "地域福祉活動の推進。"),
    ("houkatsu-ikejiri", "池尻地域包括支援センター", "高齢者の総合相談。"),
    ("jidokan-taishido", "太子堂児童館", "子どもの居場所づくり。"),
    ("machizukuri-sangenjaya", "三軒茶屋まちづくりセンター", "地区のまちづくり支援。"),
    ("yotaikyo", "要保護児童対策地域協議会", "要保護児童の支援に関する関係機関の協議会。"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    org: str
    role: str
    superuser: bool = False


USERS = [
    DemoUser("admin", "管理者 太郎", "dx", Role.ADMIN, superuser=True),
    DemoUser("fukushi.manager", "福祉 花子", "hokenfukushi", Role.MANAGER),
    DemoUser("fukushi.editor", "福祉 一郎", "hokenfukushi", Role.EDITOR),
    DemoUser("fukushi.viewer", "福祉 次郎", "hokenfukushi", Role.VIEWER),
    DemoUser("bosai.editor", "防災 三郎", "bosai", Role.EDITOR),
    DemoUser("zaisei.viewer", "財政 四郎", "zaisei", Role.VIEWER),
    DemoUser("kodomo.manager", "子ども 桜", "kodomo", Role.MANAGER),
    DemoUser("seisou.manager", "清掃 七海", "seisou", Role.MANAGER),
    DemoUser("seisou.editor", "清掃 八郎", "seisou", Role.EDITOR),
    DemoUser("shakyo.staff", "社協 五郎", "shakyo", Role.VIEWER),
    DemoUser("houkatsu.staff", "包括 六子", "houkatsu-ikejiri", Role.EDITOR),
]


def create_organizations() -> None:
    for code, name, description in DEPARTMENTS:
        create_organization(
            actor=None, code=code, name=name, kind=Organization.Kind.DEPARTMENT, description=description
        )
    for code, name, description in PARTNERS:
        create_organization(
            actor=None, code=code, name=name, kind=Organization.Kind.PARTNER, description=description
        )
    create_organization(actor=None, code="public", name="区民（一般公開）", kind=Organization.Kind.PUBLIC)


def create_users() -> None:
    # every demo account has the same printed password: hash it once (a hash costs the hasher's full
    # work factor, about a second per account on a small machine)
    hashed = make_password(DEMO_PASSWORD)
    for spec in USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={"display_name": spec.name, "email": f"{spec.username}@example.jp"},
        )
        if created:
            user.password = hashed
        user.is_superuser = spec.superuser
        user.is_staff = spec.superuser
        user.save()
        set_membership(
            actor=None, user=user, organization=Organization.objects.get(code=spec.org), role=spec.role
        )


def create_datasets() -> None:
    from .demo_datasets import create_datasets as create

    create()


def create_procedures() -> None:
    from kaidan.procedures.demo import create_procedures as create

    create()


def create_problems() -> None:
    from kaidan.problems.demo import create_problems as create

    create()


def create_dashboards() -> None:
    from kaidan.charts.demo import create_dashboards as create

    create()


def create_boundaries() -> None:
    """A (fictitious, simplified) boundary file of the demo's four 地区 for fukushi.manager's district map."""
    from pathlib import Path

    from kaidan.analysis.boundaries import upload_boundary
    from kaidan.analysis.models import Boundary

    manager = User.objects.get(username="fukushi.manager")
    if Boundary.objects.filter(created_by=manager).exists():
        return
    data = (Path(__file__).resolve().parent / "demo_data" / "demo_districts.geojson").read_bytes()
    upload_boundary(data, title="地区（デモ用の概略）", key="地区", actor=manager)


DEMO_STEPS: list[Callable[[], None]] = [
    create_organizations,
    create_users,
    create_datasets,
    create_procedures,
    create_problems,
    create_dashboards,
    create_boundaries,
]


@transaction.atomic
def build_demo() -> None:
    for step in DEMO_STEPS:
        step()


def logins_table() -> list[tuple[str, str, str]]:
    orgs = {code: name for code, name, _ in DEPARTMENTS + PARTNERS}
    return [(u.username, orgs[u.org], str(Role(u.role).label)) for u in USERS]
