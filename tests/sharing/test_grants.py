"""Grants: what a partner organization sees follows what a manager grants, and every change is audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kaidan.access.services import rights
from kaidan.audit.models import AuditEntry
from kaidan.catalog.selectors import iter_visible_rows
from kaidan.core.errors import Forbidden
from kaidan.sharing.selectors import describe_row_filter, explain_grant
from kaidan.sharing.services import change_grant, grant_access, revoke_access, set_masking
from tests.sharing.conftest import field_id

pytestmark = pytest.mark.django_db


def _seen(user, dataset):
    view = iter_visible_rows(dataset, actor=user)
    return [f.label for f in view.fields], list(view.rows)


def test_grants_change_what_a_partner_sees(dataset, world, manager, make_user):
    staff = make_user("shakyo.staff", world.shakyo)
    assert not rights(dataset, actor=staff).can_read

    grant = grant_access(
        dataset,
        actor=manager,
        organization=world.shakyo,
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    columns, rows = _seen(staff, dataset)
    assert columns == ["地区", "担当", "年齢", "支援開始日"]  # 氏名 is 秘: above the grant's clearance
    assert [r[0] for r in rows] == ["池尻", "池尻"]

    change_grant(
        grant, actor=manager, clearance="restricted", row_filter=[{"field": "担当", "op": "viewer_org"}]
    )
    columns, rows = _seen(staff, dataset)
    assert columns[0] == "氏名"
    assert sorted(r[0] for r in rows) == ["山田太郎", "高橋美咲"]  # rows whose 担当 is 社会福祉協議会

    revoke_access(grant, actor=manager)
    assert not rights(dataset, actor=staff).can_read


def test_each_grant_change_is_audited_with_its_details(dataset, world, manager):
    grant = grant_access(
        dataset, actor=manager, organization=world.shakyo, permission="view", clearance="limited"
    )
    change_grant(grant, actor=manager, permission="edit")
    revoke_access(grant, actor=manager)
    set_masking(dataset, "masked", actor=manager)

    entries = list(
        AuditEntry.objects.filter(object_id=str(dataset.pk), action__startswith="access.").order_by("seq")
    )
    assert [e.action for e in entries] == [
        "access.grant",
        "access.grant.change",
        "access.revoke",
        "access.masking",
    ]
    assert entries[0].actor_label == "fukushi.manager"
    assert entries[0].detail["organization"] == "shakyo"
    assert entries[0].detail["clearance"] == "limited"
    assert entries[1].detail["permission"] == "edit" and entries[1].detail["before"]["permission"] == "view"
    assert entries[3].detail == {"old": "absent", "new": "masked"}


def test_row_scope_values_are_typed_like_imported_cells(dataset, world, manager):
    grant = grant_access(
        dataset,
        actor=manager,
        organization=world.shakyo,
        row_filter=[
            {"field": "年齢", "op": "in", "value": ["８２", "90"]},
            {"field": "支援開始日", "op": "in", "value": ["R6.4.1"]},
        ],
    )
    assert grant.row_filter == [  # stored by field id: renaming a column changes nothing
        {"field_id": field_id(dataset, "年齢"), "op": "in", "value": [82, 90]},
        {"field_id": field_id(dataset, "支援開始日"), "op": "in", "value": ["2024-04-01"]},
    ]


def test_a_bad_row_scope_is_refused_naming_the_condition_column_and_value(dataset, world, manager):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        grant_access(
            dataset,
            actor=manager,
            organization=world.shakyo,
            clearance="limited",
            row_filter=[
                {"field": "年齢", "op": "in", "value": ["八十歳くらい"]},
                {"field": "氏名", "op": "in", "value": ["山田太郎"]},
                {"field": "電話", "op": "in", "value": ["1"]},
            ],
        )
    messages = caught.value.messages
    assert "Condition 1" in messages[0] and "“年齢”" in messages[0] and "“八十歳くらい”" in messages[0]
    assert "Condition 2" in messages[1] and "“氏名”" in messages[1] and "Restricted" in messages[1]
    assert "Condition 3" in messages[2] and "“電話”" in messages[2]
    with translation.override("ja"), pytest.raises(ValidationError) as caught:
        grant_access(
            dataset,
            actor=manager,
            organization=world.shakyo,
            row_filter=[{"field": "年齢", "op": "in", "value": ["x"]}],
        )
    assert "条件 1" in caught.value.messages[0] and "「年齢」" in caught.value.messages[0]
    assert not AuditEntry.objects.filter(action="access.grant").exists()


def test_a_grant_below_the_datasets_classification_is_refused(make_dataset, world, manager):
    secret = make_dataset("kaigo-secret", classification="restricted")
    with pytest.raises(ValidationError):
        grant_access(secret, actor=manager, organization=world.shakyo, clearance="limited")


def test_only_managers_may_grant(dataset, world, make_user):
    editor = make_user("fukushi.editor", world.fukushi, role="editor")
    with pytest.raises(Forbidden):
        grant_access(dataset, actor=editor, organization=world.shakyo)


def test_the_explanation_says_in_plain_japanese_what_the_grantee_sees(dataset, world, manager):
    set_masking(dataset, "masked", actor=manager)
    grant = grant_access(
        dataset,
        actor=manager,
        organization=world.shakyo,
        row_filter=[
            {"field": "地区", "op": "in", "value": ["池尻", "太子堂"]},
            {"field": "担当", "op": "viewer_org"},
        ],
    )
    with translation.override("ja"):
        explanation = explain_grant(dataset, grant)
        assert "社会福祉協議会" in explanation.who and "閲覧者" in explanation.who
        assert [f.label for f in explanation.columns] == ["地区", "担当", "年齢", "支援開始日"]
        assert [f.label for f in explanation.hidden] == ["氏名"]
        assert "＊＊＊" in explanation.hidden_note
        assert explanation.rows == (
            "「地区」が「池尻」、「太子堂」のいずれか、かつ「担当」が閲覧する人の所属団体（名称またはコード）と同じ行だけです。"
        )
        assert describe_row_filter(dataset, []) == "すべての行です。"


def test_masking_accepts_only_known_values(dataset, manager):
    with pytest.raises(ValidationError):
        set_masking(dataset, "blurred", actor=manager)


def test_the_planned_date_must_not_be_in_the_past(dataset, manager):
    from kaidan.sharing.services import mark_undecided

    with pytest.raises(ValidationError):
        mark_undecided(dataset, actor=manager, planned_release=date(2000, 1, 1))
