"""`kaidan demo` fills a demo ward and can be run again safely."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kaidan.accounts.models import Membership, Organization, User
from kaidan.core.demo import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return Organization.objects.count(), User.objects.count(), Membership.objects.count()


def test_demo_is_idempotent_and_prints_the_logins():
    first = StringIO()
    call_command("demo", stdout=first)
    counts = _counts()
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-the-admin-1")
    admin.save()

    second = StringIO()
    call_command("demo", stdout=second)

    assert _counts() == counts
    assert counts == (11, len(USERS), len(USERS))
    output = first.getvalue()
    assert DEMO_PASSWORD in output
    for spec in USERS:
        assert spec.username in output
    assert "システム管理者" in output  # role labels in Japanese
    # A second run does not reset passwords that users have changed.
    assert User.objects.get(username="admin").check_password("changed-by-the-admin-1")


def test_demo_users_can_log_in_with_the_demo_password(client):
    call_command("demo", stdout=StringIO())

    response = client.post("/accounts/login/", {"username": "fukushi.editor", "password": DEMO_PASSWORD})

    assert response["Location"] == "/staff/"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.memberships.get().role == "admin"
