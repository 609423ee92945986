"""Measuring a KPI: its actual value (reality) against its target (ideal), the gap, and the trend.

The measure runs on the analysis engine as the reader, over their visible relations: two readers with
different rights may see different actual values, and one who may not see the source sees no value at all.
The trend is the same measure as of the source dataset's recent revisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kaidan.access.actors import Actor
from kaidan.access.services import rights
from kaidan.analysis import engine
from kaidan.catalog.models import Dataset
from kaidan.store.models import Revision
from kaidan.values.normalize import plain_decimal

from .models import Aggregate, Direction, Kpi

TREND_POINTS = 8


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def measure_sql(dataset: Dataset, aggregate: str, column: str = "", condition: str = "") -> str:
    """The SQL of a measure built without code: an aggregate of a column (or of rows), with a condition."""
    target = _quote(column) if column else "*"
    expression = {
        Aggregate.COUNT: f"count({target})",
        Aggregate.DISTINCT: f"count(DISTINCT {target})",
    }.get(Aggregate(aggregate), f"{aggregate}({target})")
    where = f" WHERE {condition}" if condition.strip() else ""
    return f"SELECT {expression} FROM {_quote(dataset.name)}{where}"


def plain(value: Decimal | None) -> Decimal | None:
    """38.0000 → 38, 12.5000 → 12.5 (stored with four places, shown as written)."""
    return None if value is None else plain_decimal(value)


@dataclass
class Point:
    revision: int
    value: Decimal | None


@dataclass
class Measured:
    kpi: Kpi
    actual: Decimal | None
    error: str = ""
    trend: list[Point] = field(default_factory=list)

    @property
    def gap(self) -> Decimal | None:
        """How far reality is from the ideal, in the KPI's unit (0 when the target is met)."""
        if self.actual is None:
            return None
        short = (
            self.kpi.target - self.actual
            if self.kpi.direction == Direction.HIGHER
            else self.actual - self.kpi.target
        )
        return plain(max(short, Decimal(0)))

    @property
    def target(self) -> Decimal | None:
        return plain(self.kpi.target)

    @property
    def gap_ratio(self) -> Decimal | None:
        """The gap as a share of the target (for ordering problems by the size of their gap)."""
        gap = self.gap
        if gap is None:
            return None
        return gap / abs(self.kpi.target) if self.kpi.target else gap

    @property
    def met(self) -> bool:
        return self.gap == 0

    @property
    def gap_percent(self) -> int | None:
        """The gap in percent of the target (None for a target of 0, where a share means nothing)."""
        ratio = self.gap_ratio
        return None if ratio is None or not self.kpi.target else int(round(ratio * 100))


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return plain(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _value(kpi: Kpi, as_of: int | None = None, *, actor: Actor) -> Decimal | None:
    result = engine.run(
        kpi.sql,
        actor=actor,
        as_of={kpi.dataset_id: as_of} if as_of is not None else None,
        row_limit=1,
        purpose="kpi",
    )
    if not result.rows or not result.rows[0]:
        return None
    return _number(result.rows[0][0])


def measure(kpi: Kpi, *, actor: Actor, trend: bool = False) -> Measured:
    """The KPI as the actor sees it now (and, with `trend`, as of the source's recent revisions)."""
    if not rights(kpi.dataset, actor=actor).can_read:
        return Measured(kpi, None, "no-access")
    try:
        measured = Measured(kpi, _value(kpi, actor=actor))
    except engine.QueryRefused as exc:
        return Measured(kpi, None, str(exc))
    if trend:
        numbers = list(
            Revision.objects.filter(dataset_id=kpi.dataset_id)
            .order_by("-number")
            .values_list("number", flat=True)[:TREND_POINTS]
        )
        for number in reversed(numbers):
            try:
                measured.trend.append(Point(number, _value(kpi, number, actor=actor)))
            except engine.QueryRefused:
                measured.trend.append(Point(number, None))
    return measured
