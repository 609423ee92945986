"""`{% sharing_nav as nav %}`: which sharing pages the current user may open (for the site navigation)."""

from __future__ import annotations

from typing import Any

from django import template

from kaidan.accounts.models import Membership, Role

register = template.Library()


@register.simple_tag(takes_context=True)
def sharing_nav(context: dict[str, Any]) -> dict[str, bool]:
    user = context.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return {"invitations": False, "audit": False}
    superuser = bool(user.is_superuser)
    managers = Membership.objects.filter(user=user, role__in=[Role.MANAGER, Role.ADMIN]).exists()
    return {"invitations": superuser or managers, "audit": superuser}
