"""Password reset by e-mail, sent through a real SMTP server, with Django's password validators."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kaidan-new-staircase-7"


def _body(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)", _body(message))
    assert match, _body(message)
    return match.group(1)


def test_a_user_resets_a_forgotten_password_through_the_mailed_link(client, make_user, smtp_server):
    make_user("tanaka")

    response = client.post(reverse("accounts:password_reset"), {"email": "tanaka@example.jp"})
    assert response["Location"] == reverse("accounts:password_reset_done")

    [mail] = smtp_server.messages
    assert mail["To"] == "tanaka@example.jp"
    assert "tanaka" in _body(mail)
    # Django moves the token from the URL into the session, then shows the form.
    response = client.get(_reset_link(mail), follow=True)
    assert response.context["validlink"]
    form_url = response.redirect_chain[-1][0]

    too_short = client.post(form_url, {"new_password1": "abc123", "new_password2": "abc123"})
    assert too_short.status_code == 200
    assert too_short.context["form"].errors["new_password2"]
    common = client.post(form_url, {"new_password1": "password123", "new_password2": "password123"})
    assert common.context["form"].errors["new_password2"]

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("accounts:password_reset_complete")

    old = client.post(reverse("accounts:login"), {"username": "tanaka", "password": "correct-horse-battery"})
    assert old.status_code == 200
    new = client.post(reverse("accounts:login"), {"username": "tanaka", "password": NEW_PASSWORD})
    assert new["Location"] == reverse("core:staff_home")


def test_the_reset_link_works_only_once(client, make_user, smtp_server):
    make_user("tanaka")
    client.post(reverse("accounts:password_reset"), {"email": "tanaka@example.jp"})
    link = _reset_link(smtp_server.messages[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert again.context["validlink"] is False


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, make_user, smtp_server):
    make_user("tanaka")

    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.jp"})

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert smtp_server.messages == []


def test_the_reset_mail_is_in_the_users_language(client, make_user, smtp_server):
    make_user("tanaka")
    client.post(reverse("accounts:password_reset"), {"email": "tanaka@example.jp"})
    client.cookies["django_language"] = "en"  # chosen with the header's language switch
    client.post(reverse("accounts:password_reset"), {"email": "tanaka@example.jp"})

    ja, en = smtp_server.messages

    assert "パスワード" in _body(ja)
    assert "reset your Kaidan password" in _body(en)


def test_the_link_points_to_the_configured_site_whatever_the_host_header(
    client, make_user, smtp_server, settings
):
    """A forged Host header must not turn the mail into a link to the attacker's site."""
    settings.BASE_URL = "https://kaidan.city.example.lg.jp"
    make_user("tanaka")

    client.post(reverse("accounts:password_reset"), {"email": "tanaka@example.jp"}, HTTP_HOST="evil.example")

    body = _body(smtp_server.messages[0])
    assert "https://kaidan.city.example.lg.jp/accounts/reset/" in body
    assert "evil.example" not in body
