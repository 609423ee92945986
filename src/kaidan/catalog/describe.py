"""Grid queries in words: 「地区が三宿」「年齢が70以上」, never `chiku__exact=三宿`.

For share links, saved views and anything else that tells people which rows a query keeps. The words
cover every operator of `kaidan.catalog.query.OPS`; values read as on the grid (はい/いいえ, 2026年12月1日).
Row scopes of grants have their own wording (kaidan.sharing.selectors.describe_row_filter).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kaidan.core.display import display_value

from .query import OPS, Filter, GridQuery, QueryError

_WORDS: dict[str, Any] = {
    "contains": lambda: _("%(column)s contains %(value)s"),
    "exact": lambda: _("%(column)s is %(value)s"),
    "not": lambda: _("%(column)s is not %(value)s"),
    "gte": lambda: _("%(column)s is %(value)s or more"),
    "lte": lambda: _("%(column)s is %(value)s or less"),
    "gt": lambda: _("%(column)s is more than %(value)s"),
    "lt": lambda: _("%(column)s is less than %(value)s"),
    "in": lambda: _("%(column)s is one of %(value)s"),
    "isnull": lambda: _("%(column)s is empty"),
    "notnull": lambda: _("%(column)s is not empty"),
}
assert set(_WORDS) == set(OPS), "every grid operator needs its words"


def _shown(flt: Filter, text: str) -> str:
    if flt.op == "contains":
        return text
    try:
        return display_value(flt.typed(text)) or text
    except QueryError:
        return text


def describe_filter(flt: Filter) -> str:
    """One filter in words: 「地区が三宿」, "年齢 is 70 or more"."""
    if flt.op == "in":
        value = pgettext("list separator", ", ").join(_shown(flt, v) for v in flt.values())
    else:
        value = _shown(flt, flt.value)
    return str(_WORDS[flt.op]()) % {"column": flt.field.label, "value": value}


def describe_filters(query: GridQuery) -> list[str]:
    """Each filter of the query in words, in the query's order."""
    return [describe_filter(f) for f in query.filters]


def describe_query(query: GridQuery) -> str:
    """All the query's filters as one phrase: 「地区が三宿、かつ年齢が70以上」, or "All rows"."""
    parts = describe_filters(query)
    if not parts:
        return _("All rows")
    return pgettext("filters", " and ").join(parts)
