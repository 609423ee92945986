"""One query cannot reach another's data: the engine's connections share one empty DuckDB database, and
each holds its snapshots as temporary views of its own (kaidan.analysis.engine._connection)."""

from __future__ import annotations

import io

import pyarrow as pa
import pytest
from django.core.management import call_command

from kaidan.accounts.models import User
from kaidan.analysis import engine
from kaidan.catalog.models import Dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward():
    call_command("demo", stdout=io.StringIO())


def test_a_query_running_beside_another_cannot_name_list_or_read_its_snapshot(ward):
    mimamori = Dataset.objects.get(name="mimamori")
    clerks_query = engine._connection()  # as run() opens it for a clerk, still running
    clerks_query.register(f"__kaidan_{mimamori.pk}", pa.table({"氏名": ["世田谷 花子"]}))
    clerks_query.execute(f'CREATE TEMP VIEW "mimamori_all" AS SELECT * FROM __kaidan_{mimamori.pk}')
    partner = User.objects.get(username="shakyo.staff")
    try:
        for sql in (
            "SELECT * FROM mimamori_all",
            f"SELECT * FROM __kaidan_{mimamori.pk}",
            "SELECT * FROM temp.main.mimamori_all",
        ):
            with pytest.raises(engine.QueryRefused):
                engine.run(sql, actor=partner)
        listed = engine.run(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal "
            "UNION ALL SELECT table_name FROM duckdb_tables()",
            actor=partner,
        )
        assert listed.rows == []
    finally:
        clerks_query.close()


def test_a_finished_query_leaves_nothing_behind(ward):
    clerk = User.objects.get(username="fukushi.editor")
    assert engine.run("SELECT count(*) FROM mimamori", actor=clerk).rows[0][0] == 40
    leftovers = engine.run(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal "
        "UNION ALL SELECT table_name FROM duckdb_tables()",
        actor=None,
    )
    assert leftovers.rows == []


def test_the_shared_database_keeps_its_configuration_locked(ward):
    with pytest.raises(engine.QueryRefused):
        engine.run("SELECT * FROM read_csv('/etc/passwd')", actor=None)
    con = engine._connection()
    try:
        with pytest.raises(Exception, match="configuration"):
            con.execute("SET enable_external_access = true")
    finally:
        con.close()


def test_low_cardinality_text_is_dictionary_encoded_and_answers_the_same():
    """kaidan.analysis.engine.compact: a district column (few values) becomes an Arrow dictionary, free text
    stays as it is, and DuckDB answers the same over both (the values, their order and their type)."""
    rows = 5_000
    table = pa.table(
        {
            "地区": [("池尻", "太子堂", "三宿")[i % 3] for i in range(rows)],
            "概要": [f"相談の記録 {i}" for i in range(rows)],
            "件数": list(range(rows)),
        }
    )
    compacted = engine.compact(table)
    assert pa.types.is_dictionary(compacted.schema.field("地区").type)
    assert compacted.schema.field("概要").type == pa.string()
    sql = (
        "SELECT 地区, count(*), sum(件数), min(概要) FROM t WHERE 地区 <> '三宿' GROUP BY 地区 ORDER BY 地区"
    )
    answers = []
    for candidate in (table, compacted):
        con = engine._connection()
        try:
            con.register("t", candidate)
            cursor = con.execute(sql)
            answers.append(([str(d[1]) for d in cursor.description], cursor.fetchall()))
        finally:
            con.close()
    assert answers[0] == answers[1] and answers[0][0][0] == "VARCHAR"
