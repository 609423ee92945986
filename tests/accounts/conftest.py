"""Fixtures for the accounts tests: TOTP codes (the real SMTP server is in tests/conftest.py)."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture
def no_otp_throttle(settings):
    """django-otp delays retries after a wrong code (1 s, 2 s, 4 s …); tests need not wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def confirmed_device():
    def make(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    return make
