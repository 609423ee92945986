"""A token is an actor: it sees and changes exactly what its organization may, capped by its scopes and
clearance; it is stored hashed, expires, can be revoked, and every use is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from kaidan.access.services import SYSTEM, readable_filter, rights
from kaidan.api.models import ApiToken
from kaidan.api.services import ApiRejected, authenticate, create_token, hash_secret, revoke_token
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset
from kaidan.core.errors import Forbidden
from kaidan.store.relation import Purpose, compile_relation

pytestmark = pytest.mark.django_db


def names(rel) -> list[str]:
    return [f.name for f in rel.visible]


def test_the_secret_is_shown_once_and_stored_only_as_a_hash(world):
    token, secret = create_token(
        world["owner"], actor=world["manager"], name="基幹系", scopes=["object.view"]
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("kaidan_") and secret not in str(stored.__dict__)
    assert stored.secret_hash == hash_secret(secret)
    assert authenticate(secret).token.pk == token.pk
    assert authenticate(secret[:-1] + "x") is None
    assert AuditEntry.objects.filter(action="api.token.create").exists()


def test_a_token_of_the_owner_sees_columns_up_to_its_clearance(world, token_for):
    dataset = world["dataset"]
    for clearance, hidden in [
        ("restricted", set()),
        ("limited", {"秘メモ"}),
        ("public", {"秘メモ", "限定メモ", "庁内メモ"}),
    ]:
        actor = authenticate(token_for(world["owner"], clearance=clearance))
        visible = set(names(compile_relation(dataset, actor=actor)))
        assert not visible & hidden
        assert {"番号", "名前", "地区"} <= visible


def test_a_partners_token_sees_only_the_granted_rows_and_never_above_the_grant(world, token_for):
    actor = authenticate(
        token_for(world["partner"], scopes=["object.view", "object.edit"], clearance="restricted")
    )
    rel = compile_relation(world["dataset"], actor=actor)
    assert "秘メモ" not in names(rel)  # the grant gives 限定: the token's higher cap adds nothing
    districts = {values[2] for _id, _rev, values in rel.rows()}
    assert districts == {"池尻"}
    edit = compile_relation(world["dataset"], actor=actor, purpose=Purpose.EDIT)
    assert edit.allowed and edit.scoped


def test_an_unrelated_organizations_token_sees_public_data_only(world, token_for, tmp_path):
    actor = authenticate(token_for(world["other"]))
    r = rights(world["dataset"], actor=actor)
    assert r.can_read and r.clearance == "internal"  # ward staff: 庁内
    assert not r.can_edit
    assert Dataset.objects.filter(readable_filter("catalog.dataset", actor=actor)).count() == 1


def test_scopes_confine_the_operations(world, token_for):
    dataset = world["dataset"]
    reader = authenticate(token_for(world["owner"], scopes=["object.view"]))
    r = rights(dataset, actor=reader)
    assert r.allows("object.view") and not r.allows("object.export") and not r.allows("object.edit")
    assert not compile_relation(dataset, actor=reader, purpose=Purpose.EDIT).allowed
    exporter = authenticate(token_for(world["owner"], scopes=["object.export"]))  # no view: sees nothing
    assert not rights(dataset, actor=exporter).can_read
    assert Dataset.objects.filter(readable_filter("catalog.dataset", actor=exporter)).count() == 0
    editor = authenticate(token_for(world["owner"], scopes=["object.view", "object.edit"]))
    r = rights(dataset, actor=editor)
    assert r.can_edit and not r.can_manage and not r.allows("object.manage")


def test_revoked_and_expired_tokens_open_nothing_and_their_use_is_audited(world, token_for):
    secret = token_for(world["owner"])
    token = ApiToken.objects.get(secret_hash=hash_secret(secret))
    assert authenticate(secret) is not None
    actor = authenticate(secret)
    revoke_token(token, actor=SYSTEM)
    assert authenticate(secret) is None
    actor.active = False  # an actor built before the revocation is refused by the access service too
    assert not rights(world["dataset"], actor=actor).can_read
    expired = token_for(world["owner"])
    ApiToken.objects.filter(secret_hash=hash_secret(expired)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert authenticate(expired) is None
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("api.token.use") == 2
    assert actions.count("api.token.refused") == 2


def test_only_the_organizations_managers_create_tokens(world, make_user):
    viewer = make_user("viewer", world["owner"], "editor")
    with pytest.raises(Forbidden):
        create_token(world["owner"], actor=viewer, name="x")
    with pytest.raises(Forbidden):
        create_token(world["partner"], actor=world["manager"], name="x")
    with pytest.raises(ApiRejected):
        create_token(world["owner"], actor=world["manager"], name="x", scopes=["object.fly"])


def test_the_command_line_creates_lists_and_revokes(world, capsys):
    call_command("token", "create", "--org", "hokenfukushi", "--name", "住基連携", "--scope", "object.view")
    secret = capsys.readouterr().out.strip()
    token = authenticate(secret).token
    call_command("token", "list")
    out = capsys.readouterr().out
    assert token.prefix in out and secret not in out
    call_command("token", "revoke", token.prefix)
    assert authenticate(secret) is None
