"""Reads of tokens and webhook logs for the staff pages and the command line."""

from __future__ import annotations

from django.db.models import QuerySet

from kaidan.access.actors import Actor, account_of, is_superuser
from kaidan.accounts.models import Organization, Role

from .models import ApiToken


def manageable_organizations(*, actor: Actor) -> QuerySet[Organization]:
    """Organizations whose tokens the actor manages (managers and administrators; all for superusers)."""
    if is_superuser(actor=actor):
        return Organization.objects.order_by("code")
    user = account_of(actor=actor)
    if user is None:
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user=user, memberships__role__in=[Role.MANAGER, Role.ADMIN]
    ).order_by("code")


def list_tokens(*, actor: Actor, organization: Organization | None = None) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("organization").filter(
        organization__in=manageable_organizations(actor=actor)
    )
    if organization is not None:
        tokens = tokens.filter(organization=organization)
    return tokens
