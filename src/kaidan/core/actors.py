"""Who a command-line command acts as: the system operator, or a named user (`--user`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from kaidan.access.services import SYSTEM
from kaidan.accounts.models import User


def actor_for(username: str | None) -> Any:
    if not username:
        return SYSTEM
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"利用者「{username}」がいません / no such user '{username}'")
    return user
