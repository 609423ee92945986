"""Display filters shared by every app's templates: `{% load kaidan_format %}`."""

from __future__ import annotations

from typing import Any

from django import template

from kaidan.core.display import count, display_value
from kaidan.core.useragent import describe_user_agent

register = template.Library()


@register.filter
def user_agent(value: Any) -> str:
    """A User-Agent header in words ("Chrome 120 / Windows"); keep the raw one in a title next to it."""
    return describe_user_agent(str(value or ""))


@register.filter
def display(value: Any) -> str:
    """A stored value as people read it (はい/いいえ for yes/no, thousands separators, Japanese dates)."""
    return display_value(value)


@register.filter(name="count")
def count_filter(value: Any) -> str:
    """A count with thousands separators: {{ n|count }} → 10,250."""
    return count(value)
