"""The recipient of a share link, as an actor for kaidan.access.

A `LinkActor` is passed to the normal read paths (catalog selectors, exports, document downloads) like a
user. `kaidan.access.services.rights` recognises it (a `DelegatedActor`) and answers: nothing for any object
other than the link's target; for the target, the sharer's rights computed now, capped at the link's
clearance, read-only.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kaidan.access.actors import ActorKind, DelegatedActor

from .models import ShareLink, Status


class LinkActor(DelegatedActor):
    kind = ActorKind.LINK

    def __init__(self, link: ShareLink) -> None:
        self.link = link
        self.target: Any = link.target
        self.sharer: Any = link.created_by
        self.clearance: str = link.clearance
        # Revoked or expired: nothing. (The download limit is enforced by the atomic download counter.)
        self.active = link.status_at(timezone.now()) not in {Status.REVOKED, Status.EXPIRED}

    @property
    def audit_label(self) -> str:
        return f"link:{self.link.pk} {self.link.recipient_email}"

    def __str__(self) -> str:
        return f"{self.link.recipient_name} <{self.link.recipient_email}> (share link {self.link.pk})"
