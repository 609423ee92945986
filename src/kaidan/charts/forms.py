"""The chart builder's parameters: a source, a spec and the chart's own metadata, read from a form or a link.

Filters come either from the builder's rows (`f1_column`, `f1_op`, `f1_value` …) or in the grid's own form
(`column__op=value`, as a dataset page's filtered link carries them), so a filtered grid becomes a chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from kaidan.access.actors import Actor
from kaidan.access.levels import Level
from kaidan.analysis.models import SavedQuery
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import get_dataset

from .models import Chart
from .selectors import get_saved_query
from .spec import MAX_FILTERS, OPS

FILTER_ROWS = 3
FIELDS = ("type", "dimension", "aggregate", "measure", "series", "limit")


@dataclass
class Builder:
    source_key: str
    dataset: Dataset | None
    query: SavedQuery | None
    spec: dict[str, Any]
    title: str
    classification: str
    owner: str
    description: str

    @property
    def asked(self) -> bool:
        """Has a chart type been chosen (then the builder previews it)?"""
        return bool(self.spec.get("type"))

    def filter_rows(self) -> list[dict[str, str]]:
        rows = list(self.spec.get("filters") or [])
        return rows + [{"column": "", "op": "exact", "value": ""}] * max(0, FILTER_ROWS - len(rows))

    def query_string(self) -> str:
        params = QueryDict(mutable=True)
        params["source"] = self.source_key
        for name in FIELDS:
            if self.spec.get(name):
                params[name] = str(self.spec[name])
        for i, flt in enumerate(self.spec.get("filters") or [], start=1):
            params[f"f{i}_column"], params[f"f{i}_op"], params[f"f{i}_value"] = (
                flt["column"],
                flt["op"],
                flt["value"],
            )
        params["title"] = self.title
        return params.urlencode()


def _source(key: str, *, actor: Actor) -> tuple[Dataset | None, SavedQuery | None]:
    kind, _, value = key.partition(":")
    if kind == "dataset" and value:
        return get_dataset(value, actor=actor), None
    if kind == "query" and value.isdigit():
        return None, get_saved_query(int(value), actor=actor)
    return None, None


def _filters(params: QueryDict) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for i in range(1, FILTER_ROWS + 1):
        column = params.get(f"f{i}_column", "")
        if column:
            found.append(
                {
                    "column": column,
                    "op": params.get(f"f{i}_op", "exact"),
                    "value": params.get(f"f{i}_value", ""),
                }
            )
    for key, value in params.items():  # the grid's own filters: column__op=value
        column, sep, op = key.rpartition("__")
        if sep and column and op in OPS:
            found.append({"column": column, "op": op, "value": str(value)})
    return found[:MAX_FILTERS]


def builder(params: QueryDict, *, actor: Actor, chart: Chart | None = None) -> Builder:
    """The builder's state from request parameters (or, for an edit with none given, from the chart)."""
    if chart is not None and "type" not in params:
        key = f"dataset:{chart.dataset.name}" if chart.dataset is not None else f"query:{chart.query_id}"
        return Builder(
            key,
            chart.dataset,
            chart.query,
            dict(chart.spec),
            chart.title,
            chart.classification,
            str(chart.owner_id),
            chart.description,
        )
    key = (
        params.get("source", "")
        if chart is None
        else (f"dataset:{chart.dataset.name}" if chart.dataset is not None else f"query:{chart.query_id}")
    )
    dataset, query = _source(key, actor=actor)
    spec: dict[str, Any] = {name: params.get(name, "") for name in FIELDS}  # and "filters" below
    spec["filters"] = _filters(params)
    return Builder(
        key,
        dataset,
        query,
        spec,
        params.get("title", "").strip()[:200],
        params.get("classification") or (chart.classification if chart else Level.INTERNAL),
        params.get("owner", ""),
        params.get("description", "").strip(),
    )
