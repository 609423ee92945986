"""Charts without code: a spec is checked against the reader's columns, aggregated by the analysis engine as
the reader (their rows, their columns), and saved as a classified object."""

from __future__ import annotations

import pytest

from kaidan.access.levels import Level
from kaidan.analysis.models import SavedQuery
from kaidan.audit.models import AuditEntry
from kaidan.charts import data, selectors, services
from kaidan.charts.spec import ChartSpec, SpecInvalid
from kaidan.core.errors import NotFound

pytestmark = pytest.mark.django_db


def spec(**values):
    return {"type": "bar", **values}


def chart(ward, actor=None, classification=Level.INTERNAL, **values):
    return services.create_chart(
        actor=actor or ward["editor"],
        title="地区別の相談件数",
        owner=ward["org"],
        dataset=ward["log"],
        spec=spec(**values),
        classification=classification,
    )


# --- spec validation -------------------------------------------------------------------------------------


def test_an_unknown_chart_type_or_measure_is_refused():
    with pytest.raises(SpecInvalid):
        ChartSpec.from_json({"type": "radar"})
    with pytest.raises(SpecInvalid):
        ChartSpec.from_json({"type": "bar", "aggregate": "median"})


def test_a_spec_needs_its_columns_and_numbers_where_it_adds_up(ward):
    source = data.dataset_source(ward["log"], actor=ward["editor"])
    f = ward["f"]
    district, amount = f(ward["log"], "地区"), f(ward["log"], "金額")
    for bad in (
        {"type": "bar"},  # nothing to group by
        {"type": "bar", "dimension": "nonexistent"},
        {"type": "bar", "dimension": district, "aggregate": "sum"},  # sum of what?
        {
            "type": "bar",
            "dimension": amount,
            "aggregate": "sum",
            "measure": district,
        },  # text cannot be summed
        {"type": "stacked", "dimension": district},  # a second column is needed
        {"type": "scatter", "dimension": district, "measure": amount},  # both axes must be numbers
        {"type": "bar", "dimension": district, "filters": [{"column": district, "op": "exact", "value": ""}]},
        {"type": "bar", "dimension": district, "filters": [{"column": district, "op": "like", "value": "x"}]},
    ):
        with pytest.raises(SpecInvalid):
            ChartSpec.from_json(bad).validate(source.columns)
    ChartSpec.from_json({"type": "number"}).validate(source.columns)  # a count of rows needs no column


def test_the_limit_is_kept_within_bounds():
    assert ChartSpec.from_json({"type": "bar", "limit": 10_000}).limit == 50
    assert ChartSpec.from_json({"type": "bar", "limit": "x"}).limit == 20


# --- aggregation -----------------------------------------------------------------------------------------


def test_count_sum_avg_min_max_and_distinct_per_category(ward):
    f, log = ward["f"], ward["log"]
    district, kind, amount = f(log, "地区"), f(log, "区分"), f(log, "金額")
    source = data.dataset_source(log, actor=ward["editor"])

    def run(**values):
        return data.aggregate(
            ChartSpec.from_json(spec(dimension=district, **values)), source, actor=ward["editor"]
        )

    assert run().rows == [("池尻", 3), ("太子堂", 2), ("三宿", 1)]
    assert run(aggregate="sum", measure=amount).rows == [("太子堂", 230), ("池尻", 220), ("三宿", 10)]
    assert dict(run(aggregate="avg", measure=amount).rows) == pytest.approx(
        {"太子堂": 115, "池尻": 220 / 3, "三宿": 10}
    )
    assert dict(run(aggregate="min", measure=amount).rows) == {"太子堂": 30, "池尻": 50, "三宿": 10}
    assert dict(run(aggregate="max", measure=amount).rows) == {"太子堂": 200, "池尻": 100, "三宿": 10}
    assert dict(run(aggregate="distinct", measure=kind).rows) == {"太子堂": 2, "池尻": 2, "三宿": 1}
    limited = run(limit=2)
    assert limited.rows == [("池尻", 3), ("太子堂", 2)] and limited.truncated


def test_filters_use_the_grid_operators(ward):
    f, log = ward["f"], ward["log"]
    district, kind, amount = f(log, "地区"), f(log, "区分"), f(log, "金額")
    source = data.dataset_source(log, actor=ward["editor"])

    def run(*filters, **values):
        asked = spec(
            dimension=district,
            filters=[dict(zip(("column", "op", "value"), flt, strict=True)) for flt in filters],
        )
        return dict(
            data.aggregate(ChartSpec.from_json({**asked, **values}), source, actor=ward["editor"]).rows
        )

    assert run((kind, "exact", "介護")) == {"池尻": 2, "太子堂": 1, "三宿": 1}
    assert run((kind, "not", "介護")) == {"池尻": 1, "太子堂": 1}
    assert run((amount, "gte", "70")) == {"池尻": 2, "太子堂": 1}
    assert run((amount, "lt", "50"), (kind, "contains", "子")) == {"太子堂": 1}
    assert run((district, "exact", "'; DROP TABLE x; --")) == {}  # a value is a parameter, never SQL


def test_stacked_line_number_and_scatter(ward):
    f, log = ward["f"], ward["log"]
    district, kind, amount, number = f(log, "地区"), f(log, "区分"), f(log, "金額"), f(log, "番号")
    source = data.dataset_source(log, actor=ward["editor"])

    def run(**values):
        return data.aggregate(ChartSpec.from_json(values), source, actor=ward["editor"])

    stacked = run(type="stacked", dimension=district, series=kind, aggregate="sum", measure=amount)
    assert sorted(stacked.rows) == sorted(
        [
            ("池尻", "介護", 170),
            ("池尻", "子育て", 50),
            ("太子堂", "介護", 200),
            ("太子堂", "子育て", 30),
            ("三宿", "介護", 10),
        ]
    )
    assert [r[0] for r in run(type="line", dimension=number).rows] == [1, 2, 3, 4, 5, 6]
    assert run(type="number", aggregate="sum", measure=amount).number == 460
    assert sorted(run(type="scatter", dimension=number, measure=amount).rows) == [
        (1, 100),
        (2, 50),
        (3, 70),
        (4, 200),
        (5, 30),
        (6, 10),
    ]


def test_a_chart_over_a_saved_query_aggregates_its_result_columns(ward):
    query = SavedQuery.objects.create(
        title="介護の相談",
        sql="SELECT 地区, 金額 FROM soudan WHERE 区分 = '介護';",
        created_by=ward["editor"],
    )
    saved = services.create_chart(
        actor=ward["editor"],
        title="介護の金額",
        owner=ward["org"],
        query=query,
        spec={"type": "bar", "dimension": "地区", "aggregate": "sum", "measure": "金額"},
    )
    shown = selectors.show(saved, actor=ward["editor"])
    assert shown.data is not None and dict(shown.data.rows) == {"太子堂": 200, "池尻": 170, "三宿": 10}


# --- permissions -----------------------------------------------------------------------------------------


def test_a_partner_sees_only_its_rows_in_a_chart(ward):
    saved = chart(ward, dimension=ward["f"](ward["log"], "区分"), classification=Level.LIMITED)
    from kaidan.sharing.services import grant_access

    grant_access(saved, actor=ward["manager"], organization=ward["partner"].memberships.get().organization)
    assert dict(selectors.show(saved, actor=ward["editor"]).data.rows) == {"介護": 4, "子育て": 2}
    assert dict(selectors.show(saved, actor=ward["partner"]).data.rows) == {"介護": 2, "子育て": 1}


def test_a_masked_column_cannot_be_chosen_as_dimension_or_measure(ward):
    name = ward["f"](ward["log"], "氏名")
    partner_source = data.dataset_source(ward["log"], actor=ward["partner"])
    assert name not in {c.name for c in partner_source.columns}
    with pytest.raises(SpecInvalid):
        ChartSpec.from_json(spec(dimension=name)).validate(partner_source.columns)
    with pytest.raises(SpecInvalid):
        ChartSpec.from_json(
            spec(dimension=ward["f"](ward["log"], "地区"), aggregate="distinct", measure=name)
        ).validate(partner_source.columns)


def test_a_chart_on_a_column_the_reader_may_not_see_is_unavailable_without_naming_it(ward):
    saved = chart(ward, dimension=ward["f"](ward["log"], "氏名"), classification=Level.LIMITED)
    from kaidan.sharing.services import grant_access

    grant_access(saved, actor=ward["manager"], organization=ward["partner"].memberships.get().organization)
    shown = selectors.show(saved, actor=ward["partner"])
    assert shown.unavailable and shown.data is None and not shown.error


def test_a_chart_is_seen_by_the_rules_of_datasets(ward):
    saved = chart(ward, dimension=ward["f"](ward["log"], "地区"), classification=Level.INTERNAL)
    assert selectors.visible_charts(actor=ward["staff"]) == [saved]  # internal: all staff see the chart …
    assert selectors.show(saved, actor=ward["staff"]).unavailable  # … but not the 限定 data under it
    assert selectors.visible_charts(actor=ward["partner"]) == []  # a partner is not staff
    with pytest.raises(NotFound):
        selectors.get_chart(saved.pk, actor=ward["partner"])


def test_creating_a_chart_is_audited_and_needs_an_own_organization(ward):
    saved = chart(ward, dimension=ward["f"](ward["log"], "地区"))
    assert AuditEntry.objects.filter(action="charts.chart.create", detail__chart=saved.pk).exists()
    from kaidan.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.create_chart(
            actor=ward["partner"],
            title="x",
            owner=ward["org"],
            dataset=ward["log"],
            spec=spec(dimension=ward["f"](ward["log"], "地区")),
        )
