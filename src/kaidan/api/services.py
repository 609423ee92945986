"""API tokens: create (the secret shown once), revoke, authenticate (every use audited).

Tokens are managed by the managers of their organization (and the operator at the command line). The
secret is `kaidan_<prefix>_<random>`: the prefix finds the token, the SHA-256 of the whole secret proves it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor, account_of, is_superuser
from kaidan.access.levels import Level
from kaidan.access.operations import OPERATIONS
from kaidan.accounts.models import Membership, Organization, Role
from kaidan.audit.services import record
from kaidan.core.errors import DomainError, Forbidden, NotFound
from kaidan.values.messages import Message, gettext_noop

from .actors import TokenActor
from .models import ApiToken

DEFAULT_DAYS = 90
MAX_DAYS = 366
PREFIX = "kaidan_"
DEFAULT_SCOPES = ("object.view", "object.export")


class ApiRejected(DomainError):
    """A token, webhook or API request that cannot be carried out (bad scope, clearance, expiry, URL …)."""

    def __init__(self, message: Message | str) -> None:
        # a Message renders in the active language, like a lazy translation
        super().__init__(message)  # type: ignore[arg-type]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_manage_tokens(organization: Organization, *, actor: Actor) -> bool:
    """The organization's managers (and administrators), superusers and the system."""
    if is_superuser(actor=actor):
        return True
    user = account_of(actor=actor)
    if user is None:
        return False
    return Membership.objects.filter(
        user=user, organization=organization, role__in=[Role.MANAGER, Role.ADMIN]
    ).exists()


def _require_manager(organization: Organization, *, actor: Actor) -> None:
    if not may_manage_tokens(organization, actor=actor):
        raise Forbidden(gettext_lazy("Only the organization's managers manage its API tokens."))


def _checked_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in OPERATIONS]
    if unknown or not chosen:
        raise ApiRejected(
            Message(
                gettext_noop("unknown scope '%(scope)s': use operations of %(known)s"),
                scope=", ".join(unknown) or "-",
                known=", ".join(OPERATIONS),
            )
        )
    return chosen


def create_token(
    organization: Organization,
    *,
    actor: Actor,
    name: str,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    clearance: str = Level.INTERNAL,
    days: int = DEFAULT_DAYS,
) -> tuple[ApiToken, str]:
    """Create a token for the organization and return it with its secret (shown once; only its hash is
    stored). The clearance caps what the token reads; its organization's rights cap it again on every use."""
    _require_manager(organization, actor=actor)
    chosen = _checked_scopes(scopes)
    try:
        level = Level.parse(clearance)
    except ValueError as exc:
        raise ApiRejected(Message(gettext_noop("unknown clearance '%(value)s'"), value=clearance)) from exc
    if not 1 <= days <= MAX_DAYS:
        raise ApiRejected(
            Message(gettext_noop("a token lives 1 to %(max)s days, not %(days)s"), max=MAX_DAYS, days=days)
        )
    name = name.strip()[:100]
    if not name:
        raise ApiRejected(Message(gettext_noop("give the token a name (the system that will use it)")))
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization,
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            scopes=chosen,
            clearance=level,
            expires_at=timezone.now() + timedelta(days=days),
            created_by=account_of(actor=actor),
        )
        record(
            "api.token.create",
            organization,
            actor=actor,
            detail={"token": prefix, "name": name, "scopes": chosen, "clearance": level, "days": days},
        )
    return token, secret


def get_token(prefix: str, *, actor: Actor) -> ApiToken:
    token = ApiToken.objects.select_related("organization").filter(prefix=prefix).first()
    if token is None or not may_manage_tokens(token.organization, actor=actor):
        raise NotFound(detail=prefix)
    return token


def revoke_token(token: ApiToken, *, actor: Actor) -> ApiToken:
    _require_manager(token.organization, actor=actor)
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record("api.token.revoke", token.organization, actor=actor, detail={"token": token.prefix})
    return token


def authenticate(secret: str, *, source: str = "") -> TokenActor | None:
    """The actor for a bearer secret, or None (unknown, revoked or expired). Every use is audited."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    prefix = secret[len(PREFIX) :].partition("_")[0]
    token = ApiToken.objects.select_related("organization").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        return None
    now = timezone.now()
    actor = TokenActor(token)
    if not token.is_active(now):
        record(
            "api.token.refused", token.organization, actor=actor, detail={"token": prefix, "where": source}
        )
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    record("api.token.use", token.organization, actor=actor, detail={"token": prefix, "where": source})
    return actor
