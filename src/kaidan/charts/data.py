"""A chart's figures, aggregated as the reader by the analysis engine — never by reading rows into Python.

The spec (kaidan.charts.spec) is compiled to one SELECT over the chart's source: the dataset's snapshot of
the reader's visible relation (their columns, their rows), or the reader's run of a saved query, as a common
table expression. Filter values are passed as parameters; column names come only from the reader's own
columns, quoted. DuckDB groups, aggregates, orders and limits; what comes back is at most a few dozen rows
(categories) or a sample of points, which the renderers draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from kaidan.access.actors import Actor
from kaidan.analysis import engine
from kaidan.analysis.models import SavedQuery
from kaidan.catalog.models import Dataset, FieldType
from kaidan.store.relation import compile_relation
from kaidan.values.messages import Message, gettext_noop

from .spec import (
    AGGREGATES,
    MAX_POINTS,
    Aggregate,
    ChartSpec,
    ChartType,
    Column,
    SpecInvalid,
)

NUMERIC_FIELDS = {FieldType.INTEGER, FieldType.DECIMAL, FieldType.LATITUDE, FieldType.LONGITUDE}
NUMERIC_DUCKDB = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "U")
SOURCE = "chart_source"
EMPTY_LABEL = _("(empty)")


class Unavailable(SpecInvalid):
    """The reader may not see the chart's source (or the columns it uses): said without naming them."""

    status = 404
    default = _("Not available to you.")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Source:
    """Where a chart's rows come from, as the reader sees them."""

    columns: list[Column]
    cte: str
    """`chart_source AS (…)`: the reader's rows of the source."""
    tables: dict[str, Dataset] | None
    """The engine's table names (a dataset source), or None (a saved query loads what it names)."""


def dataset_source(dataset: Dataset, *, actor: Actor) -> Source:
    rel = compile_relation(dataset, actor=actor)
    if not rel.allowed:
        raise Unavailable()
    columns = [Column(f.name, f.label, f.type in NUMERIC_FIELDS) for f in rel.visible]
    return Source(columns, f"{SOURCE} AS (SELECT * FROM {_quote(dataset.name)})", {dataset.name: dataset})


def _numeric(duckdb_type: str) -> bool:
    return duckdb_type.startswith(NUMERIC_DUCKDB)


def query_source(query: SavedQuery, *, actor: Actor) -> Source:
    """The saved query's result columns as the reader runs it (no rows are read: LIMIT 0)."""
    body = query.sql.strip().rstrip(";").strip()
    probe = engine.run(f"SELECT * FROM ({body}) AS q LIMIT 0", actor=actor, row_limit=0, purpose="chart")
    columns = [Column(name, name, _numeric(t)) for name, t in zip(probe.columns, probe.types, strict=True)]
    return Source(columns, f"{SOURCE} AS ({body})", None)


def source_of(chart: Any, *, actor: Actor) -> Source:
    """The source of a chart (or of the builder's state: anything with `dataset` and `query`)."""
    if chart.dataset is not None:
        return dataset_source(chart.dataset, actor=actor)
    return query_source(chart.query, actor=actor)


def _number(text: str) -> float:
    try:
        return float(text.replace(",", "").replace("，", ""))
    except ValueError:
        raise SpecInvalid(Message(gettext_noop("%(value)s is not a number."), value=text)) from None


_COMPARE = {"gte": ">=", "lte": "<=", "gt": ">", "lt": "<"}


def _where(spec: ChartSpec, numeric: dict[str, bool]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for flt in spec.filters:
        col = _quote(flt.column)
        text_col = f"CAST({col} AS VARCHAR)"
        if flt.op == "isnull":
            parts.append(f"({col} IS NULL OR {text_col} = '')")
        elif flt.op == "notnull":
            parts.append(f"({col} IS NOT NULL AND {text_col} <> '')")
        elif flt.op == "contains":
            parts.append(f"contains({text_col}, ?)")
            params.append(flt.value)
        elif numeric[flt.column]:
            operator = {"exact": "=", "not": "<>"}.get(flt.op) or _COMPARE[flt.op]
            parts.append(f"{col} {operator} ?")
            params.append(_number(flt.value))
        else:
            operator = {"exact": "=", "not": "<>"}.get(flt.op) or _COMPARE[flt.op]
            parts.append(f"{text_col} {operator} ?")
            params.append(flt.value)
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


def _measure_sql(spec: ChartSpec) -> str:
    target = _quote(spec.measure) if spec.measure else "*"
    if spec.aggregate is Aggregate.COUNT:
        return f"count({target})"
    if spec.aggregate is Aggregate.DISTINCT:
        return f"count(DISTINCT {target})"
    return f"{spec.aggregate}({target})"


def compile_sql(spec: ChartSpec, source: Source) -> tuple[str, list[Any]]:
    """The one SELECT that answers the spec over the source (validated against the source's columns)."""
    spec.validate(source.columns)
    numeric = {c.name: c.numeric for c in source.columns}
    where, params = _where(spec, numeric)
    value = _measure_sql(spec)
    with_ = f"WITH {source.cte}"
    if spec.type is ChartType.NUMBER:
        return f"{with_} SELECT {value} AS chart_value FROM {SOURCE}{where}", params
    dim = _quote(spec.dimension)
    if spec.type is ChartType.SCATTER:
        y = _quote(spec.measure)
        keep = f"{dim} IS NOT NULL AND {y} IS NOT NULL"
        inner = f"SELECT {dim} AS chart_x, {y} AS chart_y FROM {SOURCE}{where}{' AND ' if where else ' WHERE '}{keep}"
        return (
            f"{with_} SELECT chart_x, chart_y FROM ({inner}) AS points "
            f"USING SAMPLE reservoir({MAX_POINTS} ROWS) REPEATABLE (42)",
            params,
        )
    if spec.type is ChartType.STACKED:
        series = _quote(spec.series)
        return (
            f"{with_}, chart_base AS (SELECT {dim} AS chart_label, {series} AS chart_series, * "
            f"FROM {SOURCE}{where}), "
            f"top_labels AS (SELECT chart_label FROM chart_base GROUP BY chart_label "
            f"ORDER BY {value} DESC, chart_label LIMIT {spec.limit}), "
            f"top_series AS (SELECT chart_series FROM chart_base GROUP BY chart_series "
            f"ORDER BY {value} DESC, chart_series LIMIT 10) "
            f"SELECT chart_label, chart_series, {value} AS chart_value FROM chart_base b "
            f"WHERE EXISTS (SELECT 1 FROM top_labels t WHERE t.chart_label IS NOT DISTINCT FROM b.chart_label) "
            f"AND EXISTS (SELECT 1 FROM top_series s WHERE s.chart_series IS NOT DISTINCT FROM b.chart_series) "
            f"GROUP BY chart_label, chart_series ORDER BY chart_label NULLS LAST, chart_series NULLS LAST",
            params,
        )
    order = "chart_label NULLS LAST" if spec.type is ChartType.LINE else "chart_value DESC, chart_label"
    return (
        f"{with_} SELECT {dim} AS chart_label, {value} AS chart_value FROM {SOURCE}{where} "
        f"GROUP BY chart_label ORDER BY {order}",
        params,
    )


@dataclass
class ChartData:
    """What a chart shows: a small table (categories and values, series, or points) with its headings."""

    spec: ChartSpec
    headings: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    elapsed_ms: float = 0.0
    measure_label: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def number(self) -> Any:
        return self.rows[0][0] if self.rows else None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def label_of(value: Any) -> str:
    return str(EMPTY_LABEL) if value is None or value == "" else str(value)


def measure_label(spec: ChartSpec, columns: list[Column]) -> str:
    labels = {c.name: c.label for c in columns}
    what = str(AGGREGATES[spec.aggregate])
    return f"{what}（{labels[spec.measure]}）" if spec.measure and spec.measure in labels else what


def aggregate(spec: ChartSpec, source: Source, *, actor: Actor) -> ChartData:
    """Run the spec as the reader. Raises SpecInvalid (bad spec) or engine.QueryRefused (the engine's no)."""
    sql, params = compile_sql(spec, source)
    limit = (
        MAX_POINTS
        if spec.type is ChartType.SCATTER
        else 1000
        if spec.type is ChartType.STACKED
        else spec.limit
    )
    result = engine.run(
        sql, actor=actor, tables=source.tables, params=params, row_limit=limit, purpose="chart"
    )
    labels = {c.name: c.label for c in source.columns}
    measured = measure_label(spec, source.columns)
    if spec.type is ChartType.NUMBER:
        headings = [measured]
    elif spec.type is ChartType.SCATTER:
        headings = [labels[spec.dimension], labels[spec.measure]]
    elif spec.type is ChartType.STACKED:
        headings = [labels[spec.dimension], labels[spec.series], measured]
    else:
        headings = [labels[spec.dimension], measured]
    rows = [tuple(_plain(v) for v in row) for row in result.rows]
    return ChartData(spec, headings, rows, result.truncated, result.elapsed_ms, measured)


def chart_data(chart: Any, *, actor: Actor) -> ChartData:
    """A saved chart's figures as the reader sees them now (Unavailable when they may not see its source)."""
    try:
        source = source_of(chart, actor=actor)
    except engine.QueryRefused:
        raise Unavailable() from None
    spec = ChartSpec.from_json(chart.spec)
    visible = {c.name for c in source.columns}
    if any(name not in visible for name in spec.columns_used()):
        raise Unavailable()
    return aggregate(spec, source, actor=actor)
