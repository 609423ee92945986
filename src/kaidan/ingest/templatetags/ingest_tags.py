"""`{% may_import as flag %}`: whether the current user may import anything (for the site navigation)."""

from __future__ import annotations

from typing import Any

from django import template

from kaidan.ingest.selectors import may_import as _may_import

register = template.Library()


@register.simple_tag(takes_context=True)
def may_import(context: dict[str, Any]) -> bool:
    user = context.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _may_import(actor=user)
