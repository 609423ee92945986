"""A small shelters dataset owned by 保健福祉政策課, with editors, a viewer, a manager and a partner."""

from __future__ import annotations

import pytest

from kaidan.access.services import SYSTEM
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import

CSV = (
    "施設番号,施設名,地区,開設日,定員,予算,連絡先メモ\n"
    "S001,池尻小学校,池尻,2019-04-01,120,1000,校長室\n"
    "S002,三宿中学校,三宿,2020-05-01,300,2500,事務室\n"
    "S003,太子堂区民センター,太子堂,2021-06-01,80,△50,管理人\n"
)


@pytest.fixture
def world(db, tmp_path, make_org, make_user):
    owner = make_org("fukushi", name="保健福祉政策課")
    partner = make_org("houkatsu", kind=Organization.Kind.PARTNER, name="池尻地域包括支援センター")
    path = tmp_path / "shelters.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _analysis = plan_import(path, dataset="shelters", organization=owner.code, key="施設番号")
    for column in plan.columns:
        if column.label == "連絡先メモ":
            column.classification = "restricted"
    run_import(plan, actor=SYSTEM)
    dataset = Dataset.objects.get(name="shelters")

    class World:
        pass

    w = World()
    w.owner, w.partner_org, w.dataset = owner, partner, dataset
    w.editor = make_user("yamada", owner, role="editor", display_name="山田 花子")
    w.editor2 = make_user("suzuki", owner, role="editor", display_name="鈴木 一郎")
    w.viewer = make_user("sato", owner, role="viewer")
    w.manager = make_user("kanri", owner, role="manager", display_name="管理 太郎")
    w.partner = make_user("houkatsu.staff", partner, role="editor")
    w.fields = {f.name: f for f in dataset.live_fields()}
    return w


def refresh(dataset: Dataset) -> Dataset:
    return Dataset.objects.get(pk=dataset.pk)


def row_ids(dataset: Dataset) -> dict[str, int]:
    """{施設番号: row id} of the current rows."""
    from kaidan.catalog.selectors import iter_visible_rows  # noqa: F401
    from kaidan.store.selectors import iter_rows

    key = next(f for f in dataset.live_fields() if f.name == "施設番号")
    return {values[0]: row_id for row_id, values in iter_rows(dataset, [key])}
