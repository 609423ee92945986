"""Fixtures for the accounts tests: a real SMTP server and TOTP codes."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django_otp.plugins.otp_totp.models import TOTPDevice


@dataclass
class MailCollector:
    """aiosmtpd handler that keeps every message it receives."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd hook name)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django sends its mail there."""
    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield collector
    finally:
        controller.stop()


@pytest.fixture
def no_otp_throttle(settings):
    """django-otp delays retries after a wrong code (1 s, 2 s, 4 s …); tests need not wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def confirmed_device():
    def make(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    return make
