"""Grid queries: filters, sort, column choice and paging, parsed from a query string and compiled to SQL.

The query string follows Datasette's convention so that links are readable and shareable:

    ?chiku__exact=池尻&kingaku__gte=1000&kaisetsu__isnull=1&sort=kingaku&desc=1&cols=chiku&cols=kingaku
     &facet=chiku&page=3&size=50&as_of=12

A query only ever names fields the actor may see: `GridQuery.from_params` is given the visible fields
and drops anything else, so nobody can filter, sort or facet on a column they are not cleared for (that
would leak its values through row counts).

Each filter compiles to SQL for the current rows, and to a Python predicate for rows read as of an old
revision (whose values are patched from the change log and so are not in the table as such).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

from kaidan.store.tables import q
from kaidan.store.values import to_db, to_json
from kaidan.values.messages import Message, gettext_noop
from kaidan.values.types import convert, type_name

from .models import Field

OPS: dict[str, Any] = {
    "contains": _("contains"),
    "exact": _("is"),
    "not": _("is not"),
    "gte": _("≥"),
    "lte": _("≤"),
    "gt": _(">"),
    "lt": _("<"),
    "in": _("is one of"),
    "isnull": _("is empty"),
    "notnull": _("is not empty"),
}
CONTROL = {"sort", "desc", "cols", "facet", "page", "size", "as_of", "at", "q"}
SIZES = (20, 50, 100, 200)
DEFAULT_SIZE = 50
MAX_SIZE = 500
MAX_PAGE = 10_000_000
"""Far beyond any grid (5 billion rows at the largest size), far below an SQL integer overflow."""
MAX_NUMBER = 2**53


class QueryError(ValueError):
    """A filter value that cannot be read for its column's type (shown to the user, bilingual)."""


@dataclass(frozen=True)
class Filter:
    field: Field
    op: str
    value: str = ""

    @property
    def param(self) -> str:
        return f"{self.field.name}__{self.op}"

    def typed(self, text: str) -> Any:
        """The filter text as a value of the column's type (Japanese forms accepted, like imports)."""
        try:
            return convert(text, self.field.type)
        except (ValueError, InvalidOperation) as exc:
            raise QueryError(
                Message(
                    gettext_noop(
                        "the filter value '%(text)s' for column '%(label)s' is not a valid %(type)s"
                    ),
                    text=text,
                    label=self.field.label,
                    type=type_name(self.field.type),
                ).bilingual()
            ) from exc

    def values(self) -> list[str]:
        return [v.strip() for v in self.value.replace("、", ",").split(",") if v.strip()]


@dataclass(frozen=True)
class GridQuery:
    filters: tuple[Filter, ...] = ()
    sort: Field | None = None
    descending: bool = False
    columns: tuple[Field, ...] | None = None
    facets: tuple[Field, ...] = ()
    page: int = 1
    size: int = DEFAULT_SIZE
    as_of: int | None = None
    at: str = ""
    search: str = ""
    """Words for the Japanese search engine (kaidan.search): only rows whose visible text holds them."""
    errors: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_params(cls, fields: Sequence[Field], params: Mapping[str, Any]) -> GridQuery:
        """Read a query string (a QueryDict or a plain mapping) against the fields the actor may see."""
        by_name = {f.name: f for f in fields}
        filters: list[Filter] = []
        errors: list[str] = []
        for key in params:
            if key in CONTROL or "__" not in key:
                continue
            name, _sep, op = key.rpartition("__")
            target = by_name.get(name)
            if target is None or op not in OPS:
                continue
            for value in _getlist(params, key):
                if op in {"isnull", "notnull"} or value != "":
                    flt = Filter(target, op, value)
                    try:
                        _check(flt)
                    except QueryError as exc:
                        errors.append(str(exc))
                        continue
                    filters.append(flt)
        sort = by_name.get(_first(params, "sort"))
        cols = tuple(by_name[n] for n in _getlist(params, "cols") if n in by_name) or None
        facets = tuple(dict.fromkeys(by_name[n] for n in _getlist(params, "facet") if n in by_name))
        return cls(
            filters=tuple(filters),
            sort=sort,
            descending=bool(sort) and _first(params, "desc") in {"1", "true", "on"},
            columns=cols,
            facets=facets,
            page=parse_page(_first(params, "page")),
            size=_int(_first(params, "size"), DEFAULT_SIZE, minimum=1, maximum=MAX_SIZE),
            as_of=_int(_first(params, "as_of"), 0, minimum=1, maximum=MAX_NUMBER) or None,
            at=_first(params, "at"),
            search=_first(params, "q").strip()[:200],
            errors=tuple(errors),
        )

    # -- building links -------------------------------------------------------------------------

    def params(self, *, page: bool = True) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = [(f.param, f.value) for f in self.filters]
        if self.search:
            pairs.append(("q", self.search))
        if self.sort is not None:
            pairs.append(("sort", self.sort.name))
            if self.descending:
                pairs.append(("desc", "1"))
        pairs += [("cols", f.name) for f in self.columns or ()]
        pairs += [("facet", f.name) for f in self.facets]
        if self.size != DEFAULT_SIZE:
            pairs.append(("size", str(self.size)))
        if self.as_of is not None:
            pairs.append(("as_of", str(self.as_of)))
        if page and self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def querystring(self, **changes: Any) -> str:
        """The query string of this query with some attributes replaced (e.g. page=2)."""
        return urlencode(replace(self, **changes).params()) if changes else urlencode(self.params())

    def without_filter(self, flt: Filter) -> str:
        return urlencode(replace(self, filters=tuple(f for f in self.filters if f != flt), page=1).params())

    def sorted_by(self, target: Field) -> str:
        descending = self.sort is not None and self.sort.pk == target.pk and not self.descending
        return urlencode(replace(self, sort=target, descending=descending, page=1).params())

    def with_facet_value(self, target: Field, value: Any) -> str:
        flt = Filter(target, "isnull", "1") if value is None else Filter(target, "exact", str(value))
        return urlencode(replace(self, filters=(*self.filters, flt), page=1).params())

    def filters_fields(self) -> list[Field]:
        return [f.field for f in self.filters]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    # -- SQL ------------------------------------------------------------------------------------

    def where(self, vendor: str) -> tuple[str, list[Any]]:
        """The filters as one SQL condition over the physical columns (AND), with parameters."""
        parts: list[str] = []
        params: list[Any] = []
        for flt in self.filters:
            sql, values = filter_sql(flt, vendor)
            parts.append(sql)
            params += values
        return " AND ".join(parts), params

    def matches(self, fields: Sequence[Field], values: Sequence[Any]) -> bool:
        """The same filters as a predicate over one row read in Python (values in `fields` order)."""
        index = {f.pk: i for i, f in enumerate(fields)}
        for flt in self.filters:
            i = index.get(flt.field.pk)
            if i is None or not filter_matches(flt, values[i]):
                return False
        return True


def _check(flt: Filter) -> None:
    if flt.op in {"isnull", "notnull", "contains"}:
        return
    for text in flt.values() if flt.op == "in" else [flt.value]:
        flt.typed(text)


def filter_sql(flt: Filter, vendor: str) -> tuple[str, list[Any]]:
    column = q(flt.field.column)
    kind = flt.field.type
    if flt.op == "isnull":
        return f"{column} IS NULL", []
    if flt.op == "notnull":
        return f"{column} IS NOT NULL", []
    if flt.op == "contains":
        pattern = "%" + flt.value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        text = column if vendor == "sqlite" else f"CAST({column} AS TEXT)"
        return f"{text} LIKE %s ESCAPE '\\'", [pattern]
    if flt.op == "in":
        values = [to_db(flt.typed(v), kind, vendor) for v in flt.values()]
        if not values:
            return "1 = 0", []
        return f"{column} IN ({', '.join(['%s'] * len(values))})", values
    value = to_db(flt.typed(flt.value), kind, vendor)
    if value is None:
        return (f"{column} IS NULL", []) if flt.op == "exact" else (f"{column} IS NOT NULL", [])
    sql_op = {"exact": "=", "not": "<>", "gte": ">=", "lte": "<=", "gt": ">", "lt": "<"}[flt.op]
    if flt.op == "not":
        return f"({column} IS NULL OR {column} <> %s)", [value]
    return f"{column} {sql_op} %s", [value]


def filter_matches(flt: Filter, value: Any) -> bool:
    if flt.op == "isnull":
        return value is None
    if flt.op == "notnull":
        return value is not None
    if flt.op == "contains":
        return value is not None and flt.value in str(to_json(value))
    if flt.op == "in":
        return value is not None and to_json(value) in {to_json(flt.typed(v)) for v in flt.values()}
    expected = flt.typed(flt.value)
    if flt.op == "exact":
        return to_json(value) == to_json(expected)
    if flt.op == "not":
        return to_json(value) != to_json(expected)
    if value is None or expected is None:
        return False
    left, right = _comparable(value), _comparable(expected)
    return {
        "gte": left >= right,
        "lte": left <= right,
        "gt": left > right,
        "lt": left < right,
    }[flt.op]


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _getlist(params: Mapping[str, Any], key: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        return [str(v) for v in getlist(key)]
    value = params.get(key)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _first(params: Mapping[str, Any], key: str) -> str:
    values = _getlist(params, key)
    return values[-1] if values else ""


def _int(text: str | None, default: int, *, minimum: int, maximum: int) -> int:
    """``text`` as an int clamped to ``minimum``…``maximum``; ``default`` when it is no plain number."""
    text = (text or "").strip()
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        return default
    if len(digits) > 18:  # beyond any SQL integer; int() of thousands of digits is refused anyway
        return minimum if text.startswith("-") else maximum
    return min(max(int(text), minimum), maximum)


def parse_page(text: str | None) -> int:
    """A page number from the query string: 1 unless a plain number; an absurd one is clamped to
    ``MAX_PAGE`` (the views then show the last page), so it can never overflow the SQL offset."""
    return _int(text, 1, minimum=1, maximum=MAX_PAGE)
