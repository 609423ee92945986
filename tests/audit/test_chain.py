"""The audit log is a hash chain: any edited, removed or reordered entry is named."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kaidan.audit.models import AuditEntry
from kaidan.audit.services import verify

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_untouched_chain_verifies(chain):
    assert verify() == []
    call_command("audit", "verify")


def test_editing_a_row_in_the_database_is_named(chain):
    _raw("UPDATE audit_auditentry SET actor_label = %s WHERE seq = %s", ["mallory", 3])
    problems = verify()
    assert [p.seq for p in problems] == [3]
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert exc.value.returncode == 1


def test_removing_an_entry_is_named(chain):
    _raw("DELETE FROM audit_auditentry WHERE seq = %s", [2])
    assert 2 in {p.seq for p in verify()}


def test_removing_the_last_entry_is_noticed(chain):
    _raw("DELETE FROM audit_auditentry WHERE seq = %s", [5])
    assert verify()


def test_swapping_two_entries_is_noticed(chain):
    _raw("UPDATE audit_auditentry SET seq = -1 WHERE seq = 2", [])
    _raw("UPDATE audit_auditentry SET seq = 2 WHERE seq = 3", [])
    _raw("UPDATE audit_auditentry SET seq = 3 WHERE seq = -1", [])
    assert {2, 3} <= {p.seq for p in verify()}


def test_permission_changes_and_logins_are_logged(client, make_org, make_user):
    org = make_org("dx")
    user = make_user("someone", org, "editor")
    assert AuditEntry.objects.filter(action="accounts.membership.set", object_id=str(org.pk)).exists()
    client.post("/accounts/login/", {"username": "someone", "password": "correct-horse-battery"})
    entry = AuditEntry.objects.filter(action="auth.login").last()
    assert entry is not None and entry.actor_id == user.pk and entry.source == "127.0.0.1"
    client.logout()
    client.post("/accounts/login/", {"username": "someone", "password": "wrong"})
    assert AuditEntry.objects.filter(action="auth.login_failed").exists()


def test_the_log_exports_for_auditors(chain, tmp_path):
    out = tmp_path / "audit.csv"
    call_command("audit", "export", "--format", "csv", "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("seq,at,actor_id")
    assert len(text.splitlines()) == 6


def test_only_registered_actions_are_recorded():
    """Audited actions come from the one operations registry (kaidan.access.operations)."""
    from kaidan.access.operations import AUDIT_ACTIONS, action_label
    from kaidan.audit.services import record

    with pytest.raises(ValueError, match="unregistered audit action"):
        record("made.up", actor=None)
    from django.utils import translation

    with translation.override("ja"):
        assert action_label("store.read_restricted.export") == "秘情報の閲覧（エクスポート）"
    with translation.override("en"):
        assert action_label("store.export") == "Exported"
    assert all(a.operation == "" or a.operation.startswith("object.") for a in AUDIT_ACTIONS.values())
