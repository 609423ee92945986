"""The chain is keyed: entries are HMAC-SHA256 under a key that is not in the database.

Someone who can change the database but has no key cannot write a chain that verifies: not by removing the
newest entries and fixing up the head, not by removing someone's entries and recomputing every hash with
the plain SHA-256 of earlier releases, not by recomputing with a key of their own. Entries written before the
key existed keep their plain hash and still verify.
"""

from __future__ import annotations

import importlib
import stat

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from kaidan.audit.keys import AuditKey, AuditKeyError, head_mac
from kaidan.audit.models import AuditEntry, AuditHead
from kaidan.audit.services import GENESIS, keyed_hash, plain_hash, record, verify

from .conftest import AUDIT_KEY
from .tamper import rewrite_chain, truncate_after

pytestmark = pytest.mark.django_db

THE_KEY = AuditKey.from_secret(AUDIT_KEY.encode())
ANOTHER_KEY = AuditKey.from_secret(b"a-key-of-the-attackers-own-choosing-0123456789")


def fails_verification() -> str:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert exc.value.returncode == 1
    return str(exc.value)


@pytest.fixture
def two_users_chain(make_user, audit_key):
    """Alice and Bob take turns: six entries."""
    alice, bob = make_user("alice"), make_user("bob")
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    for i in range(3):
        record("auth.login", actor=alice, detail={"i": i})
        record("auth.login", actor=bob, detail={"i": i})
    return alice, bob


def test_entries_are_chained_with_hmac_under_the_key_and_name_it(chain):
    for entry in AuditEntry.objects.all():
        assert (entry.scheme, entry.key_id) == ("hmac-sha256", THE_KEY.id)
        assert entry.hash == keyed_hash(entry, THE_KEY) != plain_hash(entry)
    assert verify() == []


@pytest.mark.parametrize(
    "forged_head_mac",
    [None, lambda seq, tip_hash: tip_hash],
    ids=["head signature left as it was", "tip hash copied as the head signature"],
)
def test_removing_the_newest_entries_and_fixing_up_the_head_is_detected(chain, forged_head_mac):
    truncate_after(3, head_mac=forged_head_mac)
    problems = verify()
    assert [p.seq for p in problems] == [3]
    assert "head's signature does not match" in problems[0].message_en
    assert "entry #3" in fails_verification()


@pytest.mark.parametrize("head", ["reset to the start", "removed"])
def test_removing_the_newest_entries_and_resetting_or_removing_the_head_is_detected(chain, head):
    AuditEntry.objects.filter(seq__gt=3).delete()
    if head == "removed":
        AuditHead.objects.all().delete()
    else:
        AuditHead.objects.update(last_seq=0, last_hash=GENESIS, mac="")
    assert verify()
    fails_verification()


@pytest.mark.parametrize("relabel", [None, "sha256"], ids=["still labelled hmac-sha256", "relabelled as old"])
def test_removing_one_users_entries_and_recomputing_every_hash_with_the_plain_function_is_detected(
    two_users_chain, relabel
):
    alice, _bob = two_users_chain
    AuditEntry.objects.filter(actor_id=alice.pk).delete()
    rewrite_chain(plain_hash, scheme=relabel)
    assert AuditEntry.objects.count() == 3 and not AuditEntry.objects.filter(actor_id=alice.pk).exists()
    assert verify()
    fails_verification()


@pytest.mark.parametrize(
    "key_id", [THE_KEY.id, ANOTHER_KEY.id], ids=["claims the real key", "names its own key"]
)
def test_recomputing_every_hash_with_another_key_is_detected(two_users_chain, key_id):
    alice, _bob = two_users_chain
    AuditEntry.objects.filter(actor_id=alice.pk).delete()
    rewrite_chain(
        lambda entry: keyed_hash(entry, ANOTHER_KEY),
        key_id=key_id,
        head_mac=lambda seq, tip_hash: head_mac(ANOTHER_KEY, seq, tip_hash),
    )
    problems = verify()
    assert {p.seq for p in problems} == {1, 2, 3}
    if key_id == ANOTHER_KEY.id:
        assert f"another key ({ANOTHER_KEY.id})" in problems[0].message_en
    fails_verification()


def record_as_before_the_key(actor, i: int) -> None:
    """An entry as releases before the audit key wrote it: plain SHA-256, an unsigned head."""
    head, _ = AuditHead.objects.get_or_create(pk=1)
    entry = AuditEntry(
        seq=head.last_seq + 1,
        at=timezone.now(),
        actor_id=actor.pk,
        actor_label=actor.username,
        action="test.old_action",
        detail={"i": i},
        prev_hash=head.last_hash,
        source="cli",
        scheme="sha256",  # what migration 0002 gives the entries that exist
    )
    entry.hash = plain_hash(entry)
    entry.save()
    AuditHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.hash)


def sign_existing_head() -> None:
    """What migration 0002 does on upgrade."""
    importlib.import_module("kaidan.audit.migrations.0002_keyed_chain").sign_existing_head(apps, None)


@pytest.fixture
def upgraded_chain(make_user, audit_key, empty_log):
    """Three entries from before the key, the upgrade, then two keyed entries."""
    user = make_user("auditor")
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    for i in range(3):
        record_as_before_the_key(user, i)
    sign_existing_head()
    assert verify() == []
    for i in range(2):
        record("auth.login", actor=user, detail={"i": i})
    return user


def test_old_plain_hash_entries_followed_by_keyed_ones_verify(upgraded_chain):
    assert [e.scheme for e in AuditEntry.objects.all()] == ["sha256"] * 3 + ["hmac-sha256"] * 2
    assert verify() == []
    call_command("audit", "verify")


def test_editing_an_old_plain_hash_entry_is_still_named(upgraded_chain):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_label = %s WHERE seq = %s", ["mallory", 2])
    assert [p.seq for p in verify()] == [2]


def test_rewriting_the_old_entries_after_the_upgrade_is_detected(upgraded_chain):
    """The keyed entries cover the old ones: the first keyed entry holds the last old entry's hash."""
    AuditEntry.objects.filter(seq=5).delete()
    AuditEntry.objects.filter(seq=2).update(detail={"i": "changed"})
    rewrite_chain(plain_hash, scheme="sha256")
    assert verify()


def test_without_KAIDAN_AUDIT_KEY_a_key_file_is_created_that_only_its_owner_can_read(  # noqa: N802
    settings, tmp_path, empty_log
):
    settings.AUDIT_KEY = ""
    settings.AUDIT_KEY_FILE = tmp_path / "audit.key"
    entry = record("auth.login", actor=None)
    assert stat.S_IMODE(settings.AUDIT_KEY_FILE.stat().st_mode) == 0o600
    assert entry.key_id == AuditKey.from_secret(settings.AUDIT_KEY_FILE.read_text().strip().encode()).id
    assert verify() == []


def test_KAIDAN_AUDIT_KEY_is_used_rather_than_a_key_file(chain, settings):  # noqa: N802
    assert not settings.AUDIT_KEY_FILE.exists()


def test_a_key_file_that_the_group_or_others_can_read_is_refused(settings, tmp_path, empty_log):
    settings.AUDIT_KEY = ""
    settings.AUDIT_KEY_FILE = tmp_path / "audit.key"
    settings.AUDIT_KEY_FILE.write_text("k" * 64)
    settings.AUDIT_KEY_FILE.chmod(0o644)
    with pytest.raises(AuditKeyError, match="chmod 600"):
        record("auth.login", actor=None)
    assert not AuditEntry.objects.exists()
    message = fails_verification()
    assert str(settings.AUDIT_KEY_FILE) in message and "0644" in message


def test_a_short_KAIDAN_AUDIT_KEY_is_refused(settings, tmp_path, empty_log):  # noqa: N802
    settings.AUDIT_KEY = "secret"
    settings.AUDIT_KEY_FILE = tmp_path / "audit.key"
    with pytest.raises(AuditKeyError, match="too short"):
        record("auth.login", actor=None)
