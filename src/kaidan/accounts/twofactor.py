"""TOTP two-factor helpers over django-otp: who must use it, and enrolment."""

from __future__ import annotations

from typing import Any

import segno
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
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, title="TOTP QR"))
