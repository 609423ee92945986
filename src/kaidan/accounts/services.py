"""Organizations and memberships. Every permission change is audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor, account_of, is_superuser
from kaidan.audit.services import record
from kaidan.core.errors import Forbidden

from .models import Membership, Organization, Role, User


def _require_site_admin(*, actor: Actor) -> None:
    user = account_of(actor=actor)
    if actor is not None and not (
        is_superuser(actor=actor) or (user is not None and user.memberships.filter(role=Role.ADMIN).exists())
    ):
        raise Forbidden(gettext_lazy("Only administrators can change organizations and memberships."))


@transaction.atomic
def create_organization(
    *, actor: Actor, code: str, name: str, kind: str, description: str = ""
) -> Organization:
    """Create (or update, keeping the code) an organization. `actor=None` means the system (demo, CLI)."""
    _require_site_admin(actor=actor)
    org, created = Organization.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, "description": description}
    )
    record("accounts.organization.create" if created else "accounts.organization.update", org, actor=actor)
    return org


@transaction.atomic
def set_membership(*, actor: Actor, user: User, organization: Organization, role: str) -> Membership:
    """Grant or change a user's role in an organization."""
    _require_site_admin(actor=actor)
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    old = None if created else membership.role
    if old != role:
        membership.role = role
        membership.save(update_fields=["role"])
        record(
            "accounts.membership.set",
            organization,
            actor=actor,
            detail={"user": user.get_username(), "old_role": old, "new_role": role},
        )
    return membership


@transaction.atomic
def remove_membership(*, actor: Actor, user: User, organization: Organization) -> None:
    _require_site_admin(actor=actor)
    deleted, _count = Membership.objects.filter(user=user, organization=organization).delete()
    if deleted:
        record("accounts.membership.remove", organization, actor=actor, detail={"user": user.get_username()})
