"""Who a command-line command acts as: the system operator, or a named user (`--user`)."""

from __future__ import annotations

from django.core.management.base import CommandError

from kaidan.access.actors import SYSTEM, Actor
from kaidan.accounts.models import User


def actor_for(username: str | None) -> Actor:
    if not username:
        return SYSTEM
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"利用者「{username}」がいません / no such user '{username}'", returncode=2)
    return user
