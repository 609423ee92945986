"""Reads about organizations, shared by the command line and the browser."""

from __future__ import annotations

import unicodedata

from django.db.models import QuerySet

from kaidan.access.actors import Actor, account_of, is_superuser

from .models import Organization, Role

CREATOR_ROLES = (Role.EDITOR, Role.MANAGER, Role.ADMIN)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def resolve_organization(text: str) -> Organization | None:
    """The organization whose code or name is `text`, or None when none (or several) match.

    The code wins over a name; an exact match over one that ignores case, full-width forms and
    surrounding spaces. A name two organizations share names neither (give the code instead).
    """
    text = text.strip()
    if not text:
        return None
    by_code = Organization.objects.filter(code=text).first()
    if by_code is not None:
        return by_code
    exact = list(Organization.objects.filter(name=text)[:2])
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    wanted = _folded(text)
    found = [o for o in Organization.objects.all() if wanted in (_folded(o.code), _folded(o.name))]
    return found[0] if len(found) == 1 else None


def _creator_organizations(*, actor: Actor) -> QuerySet[Organization]:
    """Organizations where the actor (an account) is an editor, manager or administrator."""
    user = account_of(actor=actor)
    if user is None:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user, memberships__role__in=CREATOR_ROLES).distinct()


def importable_organizations(*, actor: Actor) -> list[Organization]:
    """Organizations the actor may create datasets in: every one for a superuser or the system
    operator, otherwise those where the actor is an editor, manager or administrator."""
    if is_superuser(actor=actor):
        return list(Organization.objects.order_by("kind", "code"))
    return list(_creator_organizations(actor=actor).order_by("kind", "code"))


def may_create_datasets_in(organization: Organization, *, actor: Actor) -> bool:
    """The one rule `run_import` applies to a new dataset (and the lists above offer)."""
    return (
        is_superuser(actor=actor) or _creator_organizations(actor=actor).filter(pk=organization.pk).exists()
    )
