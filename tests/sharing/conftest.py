"""Fixtures for the sharing tests: a welfare dataset owned by a department, partner organizations (the real SMTP
server is in tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

import pytest

from kaidan.access.services import SYSTEM
from kaidan.accounts.models import Organization
from kaidan.ingest.services import plan_import, run_import

CSV = """氏名,地区,担当,年齢,支援開始日
山田太郎,池尻,社会福祉協議会,82,2024-04-01
佐藤花子,太子堂,池尻地域包括支援センター,77,2024-05-10
鈴木一郎,池尻,池尻地域包括支援センター,90,2024-06-15
高橋美咲,三宿,社会福祉協議会,68,2024-07-20
"""
CLASSES = {
    "氏名": "restricted",
    "地区": "public",
    "担当": "limited",
    "年齢": "limited",
    "支援開始日": "internal",
}


@dataclass
class World:
    fukushi: Organization
    shakyo: Organization
    houkatsu: Organization
    bosai: Organization


@pytest.fixture
def world(make_org) -> World:
    return World(
        fukushi=make_org("hokenfukushi", name="保健福祉政策課"),
        shakyo=make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会"),
        houkatsu=make_org(
            "houkatsu-ikejiri", kind=Organization.Kind.PARTNER, name="池尻地域包括支援センター"
        ),
        bosai=make_org("bosai", name="防災課"),
    )


@pytest.fixture
def make_dataset(world, tmp_path):
    def make(name: str = "kaigo", classification: str = "limited", csv: str = CSV):
        path = tmp_path / f"{name}.csv"
        path.write_text(csv, encoding="utf-8")
        plan, _analysis = plan_import(
            path,
            dataset=name,
            organization=world.fukushi.code,
            title="要介護者名簿" if name == "kaigo" else name,
            classification=classification,
            restriction_reason="personal" if classification == "restricted" else "",
        )
        for column in plan.columns:
            column.classification = CLASSES.get(column.label, "public")
        return run_import(plan, actor=SYSTEM).dataset

    return make


@pytest.fixture
def dataset(make_dataset):
    return make_dataset()


@pytest.fixture
def manager(make_user, world):
    return make_user("fukushi.manager", world.fukushi, role="manager")


def mail_body(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


@pytest.fixture
def login_verified():
    """Log a user in through the two-step login with a TOTP code (superusers must use two-factor)."""
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.totp import totp_code

    def do_login(client, user) -> None:
        client.logout()
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        client.post(
            reverse("accounts:login"), {"username": user.username, "password": "correct-horse-battery"}
        )
        response = client.post(reverse("accounts:login_verify"), {"token": totp_code(device)})
        assert response.status_code == 302 and "login" not in response["Location"], response

    return do_login


def field_id(dataset, name: str) -> int:
    """The id of a dataset's live field by machine name (row scopes are stored by field id)."""
    return next(f.pk for f in dataset.live_fields() if f.name == name)
