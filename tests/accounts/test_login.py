"""Logging in and out, and login throttling (django-axes: 5 failures per username+IP → locked)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaidan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _login(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_login_page_is_japanese_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="ja">' in content
    assert "ログイン" in content


def test_staff_log_in_with_their_password_and_land_on_the_staff_home(client, make_org, make_user):
    make_user("tanaka", make_org("bosai"), role="editor")

    response = _login(client, "tanaka", "correct-horse-battery")

    assert response.status_code == 302
    assert response["Location"] == reverse("core:staff_home")
    assert client.get(reverse("core:staff_home")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.login", actor_label="tanaka").exists()


def test_login_follows_a_safe_next_url_but_not_an_external_one(client, make_user):
    make_user("tanaka")
    assert _login(client, "tanaka", "correct-horse-battery", next="/staff/?x=1")["Location"] == "/staff/?x=1"
    client.post(reverse("accounts:logout"))
    response = _login(client, "tanaka", "correct-horse-battery", next="https://evil.example/")
    assert response["Location"] == reverse("core:staff_home")


def test_a_wrong_password_is_refused_and_audited(client, make_user):
    make_user("tanaka")

    response = _login(client, "tanaka", "wrong-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session
    failed = AuditEntry.objects.filter(action="auth.login_failed")
    assert [e.detail["username"] for e in failed] == ["tanaka"]


def test_logout_is_a_post_and_is_audited(client, make_user):
    user = make_user("tanaka")
    client.force_login(user)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.logout", actor_label="tanaka").exists()


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, make_user):
    make_user("tanaka")
    for _ in range(5):
        _login(client, "tanaka", "wrong-password")

    response = _login(client, "tanaka", "correct-horse-battery")

    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert reverse("accounts:password_reset") in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.login_failed", detail__username="tanaka").count() >= 5


def test_four_wrong_passwords_do_not_lock_and_a_success_resets_the_count(client, make_user):
    make_user("tanaka")
    for _ in range(4):
        _login(client, "tanaka", "wrong-password")
    assert _login(client, "tanaka", "correct-horse-battery").status_code == 302
    client.post(reverse("accounts:logout"))

    for _ in range(4):
        _login(client, "tanaka", "wrong-password")
    assert _login(client, "tanaka", "correct-horse-battery").status_code == 302


def test_a_lock_is_per_username_and_address(client, make_user):
    make_user("tanaka")
    make_user("suzuki")
    for _ in range(5):
        _login(client, "tanaka", "wrong-password")

    assert _login(client, "suzuki", "correct-horse-battery").status_code == 302
    other_address = client.post(
        LOGIN, {"username": "tanaka", "password": "correct-horse-battery"}, REMOTE_ADDR="192.0.2.7"
    )
    assert other_address.status_code == 302
