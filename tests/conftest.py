"""Shared fixtures. Objects are created through services, as the product creates them."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("KAIDAN_DATA_DIR", tempfile.mkdtemp(prefix="kaidan-test-"))

import pytest  # noqa: E402

from kaidan.accounts.models import Organization, User  # noqa: E402
from kaidan.accounts.services import create_organization, set_membership  # noqa: E402


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Password hashing is deliberately slow; tests need not prove that again and again."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_org(db):
    def make(code: str, kind: str = Organization.Kind.DEPARTMENT, name: str | None = None) -> Organization:
        return create_organization(None, code=code, name=name or code, kind=kind)

    return make


@pytest.fixture
def make_user(db):
    def make(username: str, org: Organization | None = None, role: str = "viewer", **extra) -> User:
        user = User.objects.create_user(
            username=username, password="correct-horse-battery", email=f"{username}@example.jp", **extra
        )
        if org is not None:
            set_membership(None, user=user, organization=org, role=role)
        return user

    return make
