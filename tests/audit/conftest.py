"""A small audit chain written under a known key, as the product writes it."""

from __future__ import annotations

import pytest

from kaidan.audit.models import AuditEntry, AuditHead
from kaidan.audit.services import record

AUDIT_KEY = "the-audit-key-of-the-test-ward-0123456789"


@pytest.fixture
def audit_key(settings, tmp_path) -> str:
    """KAIDAN_AUDIT_KEY is set; the key file, were it used, would be in a data dir of this test's own."""
    settings.AUDIT_KEY = AUDIT_KEY
    settings.AUDIT_KEY_FILE = tmp_path / "audit.key"
    return AUDIT_KEY


@pytest.fixture
def empty_log(db) -> None:
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()


@pytest.fixture
def chain(make_user, audit_key):
    """Five entries by one user."""
    user = make_user("auditor")
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    for i in range(5):
        record("auth.login", actor=user, detail={"i": i})
    return user
