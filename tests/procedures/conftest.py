"""A ward with one published procedure (粗大ごみ収集の申込み), built through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaidan.accounts.models import Organization
from kaidan.procedures import services
from kaidan.procedures.schema import FieldDef, Kind

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

FIELDS = [
    FieldDef("name", Kind.TEXT, "氏名", required=True, section="申込者"),
    FieldDef("kana", Kind.KANA, "フリガナ", required=True, section="申込者"),
    FieldDef("phone", Kind.PHONE, "電話番号", required=True, section="申込者"),
    FieldDef("address", Kind.ADDRESS, "収集先の住所", required=True, section="収集"),
    FieldDef("day", Kind.DATE, "希望日", required=True, help="例：令和8年12月10日", section="収集"),
    FieldDef(
        "item", Kind.CHOICE, "品目", required=True, choices=["たんす", "自転車", "その他"], section="収集"
    ),
    FieldDef(
        "other",
        Kind.TEXT,
        "その他の品目",
        required=True,
        show_if_field="item",
        show_if_value="その他",
        section="収集",
    ),
    FieldDef("count", Kind.NUMBER, "個数", required=True, section="収集"),
    FieldDef("photo", Kind.FILE, "品物の写真", section="収集"),
    FieldDef("agree", Kind.CONSENT, "収集の条件に同意します", required=True),
]

ANSWERS = {
    "name": "区民 花子",
    "kana": "くみん はなこ",
    "phone": "０３−１２３４−５６７８",
    "address": ["154-0001", "世田谷区池尻1-2-3"],
    "day": "令和8年12月10日",
    "item": "たんす",
    "count": "２",
    "agree": True,
}


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits count in the cache, which outlives a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ward(make_org, make_user, settings) -> dict[str, Any]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PROCEDURES_MIN_FILL_SECONDS = 0
    seisou = make_org("seisou", name="清掃課")
    other = make_org("bosai", name="防災課")
    partner = make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会")
    users = {
        "manager": make_user("gomi.manager", seisou, "manager"),
        "editor": make_user("gomi.editor", seisou, "editor"),
        "viewer": make_user("gomi.viewer", seisou, "viewer"),
        "other": make_user("bosai.editor", other, "editor"),
        "partner": make_user("shakyo.staff", partner, "editor"),
    }
    procedure = services.create_procedure(
        actor=users["editor"],
        owner=seisou,
        slug="sodai-gomi",
        title="粗大ごみ収集の申込み",
        purpose="粗大ごみの戸別収集を申し込みます。",
        fees="1点 400円から",
    )
    for d in FIELDS:
        services.add_field(procedure, d, actor=users["editor"])
    services.publish(procedure, actor=users["manager"])
    procedure.refresh_from_db()
    return {"procedure": procedure, "org": seisou, "partner_org": partner, **users}
