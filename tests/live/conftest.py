"""A small 限定 dataset owned by 防災課 with a 秘 column, and a helper that changes one cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from kaidan.access.levels import Level
from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.store import selectors as store
from kaidan.store.services import RevisionWriter, open_revision

CSV = "施設名,収容人数,担当者電話\n第一小学校,300,090-1111-2222\n第二中学校,450,090-3333-4444\n区民会館,120,090-5555-6666\n"


def make_dataset(tmp_path: Path, org_code: str, name: str = "shelters") -> Dataset:
    path = tmp_path / f"{name}.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _analysis = plan_import(
        path, dataset=name, organization=org_code, title="避難所一覧", classification=Level.LIMITED
    )
    for column in plan.columns:
        if column.label == "担当者電話":
            column.classification = Level.RESTRICTED
    return run_import(plan, actor=SYSTEM).dataset


def change_cell(
    actor: Any, dataset: Dataset, row_number: int, label: str, value: Any, message: str = ""
) -> int:
    """Change one cell the way the store does it (a new `edit` revision). Returns the revision number."""
    dataset.refresh_from_db()
    fields = dataset.live_fields()
    rows = list(store.iter_rows(dataset, fields))
    row_id, old = rows[row_number]
    new = list(old)
    new[[f.label for f in fields].index(label)] = value
    with transaction.atomic():
        revision = open_revision(dataset, actor=actor, source="edit", message=message)
        writer = RevisionWriter(dataset, revision, fields)
        writer.update(row_id, old, new)
        writer.finish()
    return revision.number


@pytest.fixture
def bousai(make_org):
    return make_org("bousai", name="防災課")


@pytest.fixture
def shelters(tmp_path, bousai):
    return make_dataset(tmp_path, bousai.code)


@pytest.fixture
def suzuki(make_user, bousai):
    return make_user("suzuki", bousai, role="editor", display_name="鈴木 一郎")


@pytest.fixture
def reader(make_user, bousai):
    return make_user("tanaka", bousai, role="viewer", display_name="田中 花子")


@pytest.fixture
def fast_streams(monkeypatch):
    """Short polls and streams so tests do not wait for the production timings."""
    from kaidan.live import streams

    monkeypatch.setattr(streams, "POLL_INTERVAL", 0.05)
    monkeypatch.setattr(streams, "WSGI_STREAM_SECONDS", 3.0)
    monkeypatch.setattr(streams, "ASGI_STREAM_SECONDS", 5.0)
    return streams
