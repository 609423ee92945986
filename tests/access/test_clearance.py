"""The access service as a table: actor × classification × action."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from kaidan.access.levels import Level
from kaidan.access.models import AccessGrant
from kaidan.access.services import can, rights, visible_columns
from kaidan.accounts.models import Organization

pytestmark = pytest.mark.django_db


@dataclass
class Thing:
    """A classified object, as datasets and documents will be."""

    classification: str
    owner_id: int
    pk: int = 1

    @property
    def access_target(self) -> tuple[str, int]:
        return ("tests.thing", self.pk)


@dataclass
class Column:
    name: str
    classification: str


@pytest.fixture
def world(make_org, make_user):
    owner = make_org("fukushi")
    other = make_org("bosai")
    partner = make_org("shakyo", kind=Organization.Kind.PARTNER)
    granted_partner = make_org("houkatsu", kind=Organization.Kind.PARTNER)
    return {
        "anonymous": AnonymousUser(),
        "owner_viewer": make_user("ov", owner, "viewer"),
        "owner_editor": make_user("oe", owner, "editor"),
        "owner_manager": make_user("om", owner, "manager"),
        "other_staff": make_user("os", other, "manager"),
        "partner": make_user("p", partner, "manager"),
        "granted_partner": make_user("gp", granted_partner, "viewer"),
        "superuser": make_user("su", None, is_superuser=True),
        "_owner": owner,
        "_granted": granted_partner,
    }


# (actor, level) -> (view, edit, manage)
TABLE = {
    "anonymous": {"public": "r", "internal": "", "limited": "", "restricted": ""},
    "owner_viewer": {"public": "r", "internal": "r", "limited": "r", "restricted": ""},
    "owner_editor": {"public": "re", "internal": "re", "limited": "re", "restricted": "re"},
    "owner_manager": {"public": "rem", "internal": "rem", "limited": "rem", "restricted": "rem"},
    "other_staff": {"public": "r", "internal": "r", "limited": "", "restricted": ""},
    "partner": {"public": "r", "internal": "", "limited": "", "restricted": ""},
    "granted_partner": {"public": "r", "internal": "r", "limited": "r", "restricted": ""},
    "superuser": {"public": "rem", "internal": "rem", "limited": "rem", "restricted": "rem"},
}


@pytest.mark.parametrize("actor_name", list(TABLE))
@pytest.mark.parametrize("level", [lv.value for lv in Level])
def test_actor_level_action_table(world, actor_name, level):
    thing = Thing(classification=level, owner_id=world["_owner"].pk)
    AccessGrant.objects.create(
        target_type="tests.thing", target_id=thing.pk, organization=world["_granted"], clearance=Level.LIMITED
    )
    actor = world[actor_name]
    expected = TABLE[actor_name][level]
    assert can("object.view", thing, actor=actor) is ("r" in expected)
    assert can("object.export", thing, actor=actor) is ("r" in expected)
    assert can("object.edit", thing, actor=actor) is ("e" in expected)
    assert can("object.manage", thing, actor=actor) is ("m" in expected)


def test_columns_above_the_clearance_are_not_visible(world):
    thing = Thing(classification=Level.PUBLIC, owner_id=world["_owner"].pk)
    columns = [Column(lv.value, lv.value) for lv in Level]
    seen = {name: [c.name for c in visible_columns(thing, columns, actor=world[name])] for name in TABLE}
    assert seen["anonymous"] == ["public"]
    assert seen["other_staff"] == ["public", "internal"]
    assert seen["owner_viewer"] == ["public", "internal", "limited"]
    assert seen["owner_editor"] == ["public", "internal", "limited", "restricted"]


def test_a_grant_with_a_row_scope_confines_the_partner(world):
    thing = Thing(classification=Level.LIMITED, owner_id=world["_owner"].pk)
    scope = [{"field": "地区", "op": "in", "value": ["池尻", "太子堂"]}]
    AccessGrant.objects.create(
        target_type="tests.thing", target_id=thing.pk, organization=world["_granted"], row_filter=scope
    )
    assert rights(thing, actor=world["granted_partner"]).row_filters == (tuple(scope),)
    assert rights(thing, actor=world["owner_viewer"]).row_filters == ()


def test_a_grant_requires_the_minimum_role(world, make_user):
    thing = Thing(classification=Level.LIMITED, owner_id=world["_owner"].pk)
    AccessGrant.objects.create(
        target_type="tests.thing", target_id=thing.pk, organization=world["_granted"], min_role="editor"
    )
    assert not can("object.view", thing, actor=world["granted_partner"])


def test_classification_accepts_japanese_names():
    assert Level.parse("秘") is Level.RESTRICTED
    assert Level.parse("公開") is Level.PUBLIC
    assert Level.parse("Internal") is Level.INTERNAL
    with pytest.raises(ValueError, match="分類"):
        Level.parse("極秘")
