"""Signed checkpoints, kept outside the database, pin the chain's history up to them.

With the key alone, someone can remove the newest entries back to any earlier point and sign the head
again, or rewrite everything and recompute every HMAC: `verify` cannot tell. A checkpoint written earlier
(`kaidan audit checkpoint`) and kept elsewhere names the entry count, the last entry and its hash at that
time; `kaidan audit verify --checkpoint FILE` finds the chain no longer holds them.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kaidan.audit.keys import AuditKey, head_mac
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import CheckpointError, keyed_hash, read_checkpoint, record, verify

from .conftest import AUDIT_KEY
from .tamper import rewrite_chain, truncate_after

pytestmark = pytest.mark.django_db

THE_KEY = AuditKey.from_secret(AUDIT_KEY.encode())


@pytest.fixture
def checkpoint(chain, tmp_path):
    path = tmp_path / "checkpoint.json"
    call_command("audit", "checkpoint", "-o", str(path), stdout=StringIO())
    return path


def verify_with(path) -> str:
    out = StringIO()
    call_command("audit", "verify", "--checkpoint", str(path), stdout=out)
    return out.getvalue()


def fails_with(path) -> str:
    with pytest.raises(CommandError) as exc:
        verify_with(path)
    assert exc.value.returncode == 1
    return str(exc.value)


def test_a_checkpoint_is_the_signed_tip_of_the_chain(checkpoint):
    data = json.loads(checkpoint.read_text())
    assert set(data) == {"format", "entries", "last_seq", "last_hash", "at", "key_id", "mac"}
    assert (data["entries"], data["last_seq"]) == (5, 5)
    assert data["last_hash"] == AuditEntry.objects.get(seq=5).hash
    assert data["key_id"] == THE_KEY.id
    assert "OK" in verify_with(checkpoint)


def test_the_checkpoint_goes_to_stdout_without_o(chain):
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert json.loads(out.getvalue())["last_seq"] == 5


def test_entries_appended_after_the_checkpoint_verify(checkpoint, chain):
    record("auth.logout", actor=chain)
    assert "#5" in verify_with(checkpoint)


def test_without_a_checkpoint_someone_with_the_key_can_remove_the_newest_entries_unnoticed(chain):
    """The limit that checkpoints are for."""
    truncate_after(3, head_mac=lambda seq, tip_hash: head_mac(THE_KEY, seq, tip_hash))
    assert verify() == []


def test_removing_entries_up_to_the_checkpoint_is_detected_even_with_the_key(checkpoint, chain):
    record("auth.logout", actor=chain)
    truncate_after(3, head_mac=lambda seq, tip_hash: head_mac(THE_KEY, seq, tip_hash))
    assert verify() == []
    message = fails_with(checkpoint)
    assert "entry #5 of the checkpoint" in message and "truncated" in message


def test_history_rewritten_before_the_checkpoint_is_detected_even_with_the_key(checkpoint, chain):
    AuditEntry.objects.filter(seq=2).update(detail={"i": "changed"})
    rewrite_chain(
        lambda entry: keyed_hash(entry, THE_KEY),
        head_mac=lambda seq, tip_hash: head_mac(THE_KEY, seq, tip_hash),
    )
    assert verify() == []
    assert "history up to it was rewritten" in fails_with(checkpoint)


def test_a_checkpoint_file_that_was_edited_is_refused(checkpoint):
    data = json.loads(checkpoint.read_text())
    data |= {"entries": 3, "last_seq": 3, "last_hash": AuditEntry.objects.get(seq=3).hash}
    checkpoint.write_text(json.dumps(data))
    with pytest.raises(CheckpointError):
        read_checkpoint(checkpoint.read_text())
    assert "signature does not match" in fails_with(checkpoint)


def test_a_checkpoint_signed_with_another_key_is_refused(checkpoint, settings):
    settings.AUDIT_KEY = "another-key-that-is-long-enough-0123456789"
    assert f"signed with another key ({THE_KEY.id})" in fails_with(checkpoint)


def test_a_file_that_is_not_a_checkpoint_is_refused(chain, tmp_path):
    path = tmp_path / "not-a-checkpoint.json"
    path.write_text("{}")
    assert "not an audit log checkpoint" in fails_with(path)
    assert "cannot read" in fails_with(tmp_path / "missing.json")


def test_no_checkpoint_is_written_for_a_broken_chain(chain, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_label = %s WHERE seq = %s", ["mallory", 3])
    path = tmp_path / "checkpoint.json"
    with pytest.raises(CommandError) as exc:
        call_command("audit", "checkpoint", "-o", str(path))
    assert exc.value.returncode == 1 and "#3" in str(exc.value)
    assert not path.exists()
