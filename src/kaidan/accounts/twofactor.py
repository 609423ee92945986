"""TOTP two-factor helpers over django-otp: who must use it, and enrolment."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.utils.html import escape
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role


def requires_two_factor(user: Any) -> bool:
    """Administrators (superusers or anyone with the admin role) must use two-factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.memberships.filter(role=Role.ADMIN).exists())


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (created on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="default", confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (scales with CSS, named for screen readers)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, omitsize=True, light="#fff", title=escape(_("QR code for your authenticator app"))
    )
    return str(svg).replace("<svg ", '<svg role="img" ', 1)


def grouped_key(device: TOTPDevice) -> str:
    """The secret key in base32, in groups of four letters, as authenticator apps accept it typed in."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
