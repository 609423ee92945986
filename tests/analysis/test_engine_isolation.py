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
