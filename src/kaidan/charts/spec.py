"""What a chart asks, as data: a chart type, a dimension (and a series for stacked bars), one measure, filters.

A spec names columns by machine name and is checked against the columns the *reader* may see (their visible
relation, or the result columns of a saved query run as them): a column above the reader's clearance is not
a column at all, so it can be neither a dimension, a measure nor a filter. The checks raise `SpecInvalid`
with a gettext message; the same spec is then compiled to SQL over the reader's snapshot (kaidan.charts.data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from kaidan.core.errors import DomainError
from kaidan.values.messages import Message, gettext_noop

MAX_CATEGORIES = 50
MAX_POINTS = 5_000
MAX_FILTERS = 5


class ChartType(StrEnum):
    BAR = "bar"
    LINE = "line"
    STACKED = "stacked"
    PIE = "pie"
    SCATTER = "scatter"
    TABLE = "table"
    NUMBER = "number"


CHART_TYPES: dict[ChartType, Any] = {
    ChartType.BAR: _("Bar"),
    ChartType.LINE: _("Line"),
    ChartType.STACKED: _("Stacked bar"),
    ChartType.PIE: _("Pie"),
    ChartType.SCATTER: _("Scatter"),
    ChartType.TABLE: _("Table"),
    ChartType.NUMBER: _("Single number"),
}


class Aggregate(StrEnum):
    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    DISTINCT = "distinct"


AGGREGATES: dict[Aggregate, Any] = {
    Aggregate.COUNT: _("Number of rows"),
    Aggregate.SUM: _("Sum"),
    Aggregate.AVG: _("Average"),
    Aggregate.MIN: _("Minimum"),
    Aggregate.MAX: _("Maximum"),
    Aggregate.DISTINCT: _("Number of distinct values"),
}
NUMERIC_ONLY = {Aggregate.SUM, Aggregate.AVG}

OPS: dict[str, Any] = {
    "exact": "=",
    "not": "≠",
    "contains": _("contains"),
    "gte": "≥",
    "lte": "≤",
    "gt": ">",
    "lt": "<",
    "isnull": _("is empty"),
    "notnull": _("is not empty"),
}
NO_VALUE = {"isnull", "notnull"}


class SpecInvalid(DomainError):
    status = 400
    default = _("The chart cannot be drawn as asked.")


@dataclass(frozen=True)
class Column:
    """A column a chart may use: machine name, label and whether it holds numbers."""

    name: str
    label: str
    numeric: bool


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: str = ""


@dataclass(frozen=True)
class ChartSpec:
    type: ChartType
    dimension: str = ""
    """The category axis (bar, line, stacked, pie, table) or the x column (scatter); empty for a number."""
    aggregate: Aggregate = Aggregate.COUNT
    measure: str = ""
    """The column aggregated (empty for a count of rows), or the y column of a scatter."""
    series: str = ""
    """The second dimension of a stacked bar chart."""
    filters: tuple[Filter, ...] = field(default_factory=tuple)
    limit: int = 20

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChartSpec:
        try:
            kind = ChartType(str(data.get("type", "")))
        except ValueError:
            raise SpecInvalid(
                Message(gettext_noop("Unknown chart type %(type)s."), type=data.get("type"))
            ) from None
        try:
            aggregate = Aggregate(str(data.get("aggregate") or "count"))
        except ValueError:
            raise SpecInvalid(
                Message(gettext_noop("Unknown measure %(aggregate)s."), aggregate=data.get("aggregate"))
            ) from None
        raw_filters = data.get("filters") or []
        if not isinstance(raw_filters, list) or len(raw_filters) > MAX_FILTERS:
            raise SpecInvalid(Message(gettext_noop("At most %(n)s filters."), n=MAX_FILTERS))
        filters = tuple(
            Filter(str(f.get("column", "")), str(f.get("op", "exact")), str(f.get("value", "")))
            for f in raw_filters
            if isinstance(f, Mapping)
        )
        try:
            limit = int(data.get("limit") or 20)
        except (TypeError, ValueError):
            limit = 20
        return cls(
            type=kind,
            dimension=str(data.get("dimension") or ""),
            aggregate=aggregate,
            measure=str(data.get("measure") or ""),
            series=str(data.get("series") or ""),
            filters=filters,
            limit=max(1, min(limit, MAX_CATEGORIES)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "type": str(self.type),
            "dimension": self.dimension,
            "aggregate": str(self.aggregate),
            "measure": self.measure,
            "series": self.series,
            "filters": [{"column": f.column, "op": f.op, "value": f.value} for f in self.filters],
            "limit": self.limit,
        }

    def columns_used(self) -> list[str]:
        used = [self.dimension, self.measure, self.series, *(f.column for f in self.filters)]
        return [c for c in dict.fromkeys(used) if c]

    def validate(self, columns: Sequence[Column]) -> None:
        """Raise SpecInvalid unless the spec can be drawn from these columns (the reader's)."""
        by_name = {c.name: c for c in columns}

        def known(name: str) -> Column:
            column = by_name.get(name)
            if column is None:
                raise SpecInvalid(Message(gettext_noop("There is no column %(column)s to use."), column=name))
            return column

        if self.type is ChartType.SCATTER:
            if not self.dimension or not self.measure:
                raise SpecInvalid(Message(gettext_noop("A scatter chart needs two number columns.")))
            for name in (self.dimension, self.measure):
                if not known(name).numeric:
                    raise SpecInvalid(
                        Message(gettext_noop("The column %(column)s does not hold numbers."), column=name)
                    )
        else:
            if self.type is not ChartType.NUMBER and not self.dimension:
                raise SpecInvalid(Message(gettext_noop("Choose a column to group by.")))
            if self.dimension:
                known(self.dimension)
            if self.type is ChartType.STACKED:
                if not self.series:
                    raise SpecInvalid(Message(gettext_noop("A stacked bar chart needs a second column.")))
                known(self.series)
            if self.aggregate is not Aggregate.COUNT and not self.measure:
                raise SpecInvalid(Message(gettext_noop("Choose the column to measure.")))
            if self.measure:
                column = known(self.measure)
                if self.aggregate in NUMERIC_ONLY and not column.numeric:
                    raise SpecInvalid(
                        Message(
                            gettext_noop("The column %(column)s does not hold numbers."), column=column.label
                        )
                    )
        for flt in self.filters:
            known(flt.column)
            if flt.op not in OPS:
                raise SpecInvalid(Message(gettext_noop("Unknown filter %(op)s."), op=flt.op))
            if flt.op not in NO_VALUE and flt.value == "":
                raise SpecInvalid(
                    Message(
                        gettext_noop("The filter on %(column)s needs a value."),
                        column=by_name[flt.column].label,
                    )
                )
