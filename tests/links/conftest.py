"""Fixtures for share links: a real SMTP server, a ward with a dataset (one 秘 column) and a document."""

from __future__ import annotations

import re
from email.message import Message

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.documents.services import upload_document
from kaidan.ingest.services import plan_import, run_import

CSV = (
    "番号,施設名,地区,定員,所得\n"
    "1,池尻小学校,池尻,300,1111111\n"
    "2,太子堂中学校,太子堂,1200,2222222\n"
    "3,三宿保育園,三宿,,3333333\n"
    "4,池尻児童館,池尻,40,4444444\n"
)
SECRET_INCOME = "4444444"  # a 秘 cell value
DOCUMENT_BYTES = "会議録：池尻地区の避難所運営について（部外秘ではない本文）\n".encode()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The unknown-token throttle counts in the cache; every test starts with none counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BASE_URL = "https://kaidan.example.lg.jp"


@pytest.fixture
def ward(make_org, make_user, tmp_path):
    owner = make_org("fukushi", name="福祉課")
    other = make_org("bosai", name="防災課")
    path = tmp_path / "施設.csv"
    path.write_bytes(CSV.encode("utf-8"))
    plan, _analysis = plan_import(path, dataset="facilities", organization=owner.code, key="番号")
    for column in plan.columns:
        if column.label == "所得":
            column.classification = "restricted"
    run_import(plan, actor=SYSTEM)
    manager = make_user("sato", owner, "manager", display_name="佐藤 花子")
    document = upload_document(
        actor=manager,
        owner=owner,
        title="避難所運営会議録",
        file=SimpleUploadedFile("会議録.txt", DOCUMENT_BYTES),
        classification="internal",
    )
    return {
        "owner": owner,
        "dataset": Dataset.objects.get(name="facilities"),
        "document": document,
        "manager": manager,
        "viewer": make_user("suzuki", owner, "viewer"),
        "other_staff": make_user("tanaka", other, "manager"),
    }


def body(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def code_from(message: Message) -> str:
    match = re.search(r"^\s+(\d{6})\s*$", body(message), re.MULTILINE)
    assert match, body(message)
    return match.group(1)
