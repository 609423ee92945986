"""Who a command-line command acts as: the system operator, or a named user (`--user`)."""

from __future__ import annotations

from django.core.management.base import CommandError

from kaidan.access.actors import SYSTEM, Actor
from kaidan.accounts.models import User
from kaidan.values.messages import Message, gettext_noop


def actor_for(username: str | None) -> Actor:
    if not username:
        return SYSTEM
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(
            Message(gettext_noop("no such user '%(username)s'"), username=username).bilingual(), returncode=2
        )
    return user
