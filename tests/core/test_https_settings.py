"""Served over HTTPS (KAIDAN_HTTPS=1, or a KAIDAN_BASE_URL starting with https://), the session and CSRF
cookies are sent only over HTTPS; they are always SameSite=Lax, and the session cookie HttpOnly."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import kaidan

SETTINGS = Path(kaidan.__file__).parent / "settings.py"


def settings_with(monkeypatch, tmp_path, **env: str) -> dict:
    for name in ("KAIDAN_HTTPS", "KAIDAN_BASE_URL", "KAIDAN_SECURE_COOKIES", "KAIDAN_BEHIND_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAIDAN_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_plain_http_by_default(monkeypatch, tmp_path):
    s = settings_with(monkeypatch, tmp_path)
    assert s["SESSION_COOKIE_SECURE"] is False and s["CSRF_COOKIE_SECURE"] is False
    assert s["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize(
    "env",
    [{"KAIDAN_HTTPS": "1"}, {"KAIDAN_BASE_URL": "https://data.city.example.lg.jp"}],
)
def test_https_makes_the_cookies_secure(monkeypatch, tmp_path, env):
    s = settings_with(monkeypatch, tmp_path, **env)
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["LANGUAGE_COOKIE_SECURE"] is True


def test_the_explicit_cookie_setting_still_wins(monkeypatch, tmp_path):
    s = settings_with(
        monkeypatch, tmp_path, KAIDAN_BASE_URL="https://data.example.lg.jp", KAIDAN_SECURE_COOKIES="0"
    )
    assert s["SESSION_COOKIE_SECURE"] is False


def test_cookies_are_same_site_lax_and_the_session_cookie_http_only(monkeypatch, tmp_path):
    s = settings_with(monkeypatch, tmp_path, KAIDAN_BEHIND_PROXY="1")
    assert s["SESSION_COOKIE_SAMESITE"] == "Lax" and s["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["CSRF_COOKIE_HTTPONLY"] is False  # grid-edit.js reads the token, as Django documents
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["SECURE_REFERRER_POLICY"] == "same-origin" and s["SECURE_CONTENT_TYPE_NOSNIFF"] is True


@pytest.mark.django_db
def test_a_login_sets_a_lax_http_only_session_cookie(client, make_user):
    make_user("sato")
    client.post("/accounts/login/", {"username": "sato", "password": "correct-horse-battery"})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
