"""Who is acting: one typed vocabulary for every caller of the services.

An actor is one of
- a logged-in account (`kaidan.accounts.models.User`),
- an anonymous visitor (Django's `AnonymousUser`, or None from code that has no request),
- the system (`SYSTEM`: the operator at the command line, or a background job acting for nobody),
- someone acting through a delegation — a share link's recipient (`kaidan.links.actors.LinkActor`), or an
  organization acting through an API token (`OrganizationActor`: `kaidan.api.actors.TokenActor`, and the
  receiver of a webhook); procedure applicants will be delegated actors too (`APPLICANT`).

Services ask these functions instead of probing attributes with getattr, so a new kind of actor is added
here once, and mypy sees the union everywhere an actor is passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.models import AnonymousUser

if TYPE_CHECKING:
    from kaidan.accounts.models import User


class ActorKind(StrEnum):
    USER = "user"
    ANONYMOUS = "anonymous"
    SYSTEM = "system"
    LINK = "link"
    TOKEN = "token"  # noqa: S105 — an actor kind, not a secret
    APPLICANT = "applicant"


class SystemActor:
    """The operator at the command line (or a background job acting for nobody): full access, audited."""

    kind = ActorKind.SYSTEM
    is_superuser = True
    is_active = True
    is_authenticated = False
    is_anonymous = False
    is_system = True
    pk = None

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


class DelegatedActor:
    """Someone acting through a delegation made by an account (`sharer`) on one `target` object.

    The access service gives a delegated actor at most the sharer's rights computed now, capped at the
    delegation's `clearance`, read-only, and only on the target. Subclasses set `kind` and `audit_label`.
    """

    kind: ActorKind = ActorKind.LINK
    is_superuser = False
    is_staff = False
    is_active = True
    is_authenticated = False  # not a logged-in user: pages and services treat them as anonymous
    is_anonymous = True
    is_system = False
    pk = None
    target: Any
    sharer: Any
    clearance: str
    active: bool

    @property
    def audit_label(self) -> str:
        """How the audit log names the actor (subclasses name the delegation, e.g. "link:12 a@b.jp")."""
        return f"{self.kind.value}:{self}"


class OrganizationActor(DelegatedActor):
    """An organization acting without a person: a business system holding an API token, or the receiver
    of a webhook.

    The access service gives it what a member of `organization` at `role` (by default the highest) would
    have, capped at `clearance` and confined to the named operations in `scopes`
    (kaidan.access.operations.OPERATIONS): it never sees or changes more than its organization may.
    """

    kind = ActorKind.TOKEN
    organization: Any
    role: str = "admin"
    scopes: frozenset[str] = frozenset()

    def __init__(
        self, organization: Any, *, scopes: Iterable[str], clearance: str, active: bool = True
    ) -> None:
        self.organization = organization
        self.scopes = frozenset(scopes)
        self.clearance = clearance
        self.active = active
        self.target = None
        self.sharer = None

    def __str__(self) -> str:
        return f"{self.organization.code}"


Actor: TypeAlias = "User | AnonymousUser | SystemActor | DelegatedActor | None"


def kind_of(*, actor: Actor) -> ActorKind:
    if isinstance(actor, SystemActor | DelegatedActor):
        return actor.kind
    if actor is None or isinstance(actor, AnonymousUser) or not actor.is_authenticated:
        return ActorKind.ANONYMOUS
    return ActorKind.USER


def account_of(*, actor: Actor) -> User | None:
    """The logged-in account acting (for authorship: created_by, revision authors), else None."""
    return actor if kind_of(actor=actor) is ActorKind.USER else None  # type: ignore[return-value]


def is_superuser(*, actor: Actor) -> bool:
    """An active superuser account, or the system."""
    if isinstance(actor, SystemActor):
        return True
    user = account_of(actor=actor)
    return bool(user is not None and user.is_superuser and user.is_active)


def is_delegated(*, actor: Actor) -> bool:
    return isinstance(actor, DelegatedActor)
