"""A business system holding an API token, as an actor for kaidan.access.

`TokenActor` is passed to the normal services and selectors like a user. The access service recognises it
(an `OrganizationActor`) and answers with what its organization may, capped at the token's clearance and
confined to its scopes; a revoked or expired token gets nothing.
"""

from __future__ import annotations

from django.utils import timezone

from kaidan.access.actors import ActorKind, OrganizationActor

from .models import ApiToken


class TokenActor(OrganizationActor):
    kind = ActorKind.TOKEN

    def __init__(self, token: ApiToken) -> None:
        super().__init__(
            token.organization,
            scopes=token.scopes,
            clearance=token.clearance,
            active=token.is_active(timezone.now()),
        )
        self.token = token

    @property
    def audit_label(self) -> str:
        return f"token:{self.token.prefix} {self.organization.code} {self.token.name}"

    def __str__(self) -> str:
        return f"{self.token.name} ({self.organization.code}, token {self.token.prefix})"


class ReceiverActor(OrganizationActor):
    """The organization receiving a webhook: the payload is what it may read, capped at the subscription's
    clearance (read-only)."""

    kind = ActorKind.TOKEN

    @property
    def audit_label(self) -> str:
        return f"webhook:{self.organization.code}"
