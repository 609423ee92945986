"""The analysis engine's snapshot of current rows is read column by column from the store; it must hold
exactly what the relation's row reader gives — every type, the row scope, the visible columns — on SQLite
and PostgreSQL alike."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kaidan.accounts.models import User
from kaidan.analysis.engine import row_snapshot
from kaidan.catalog.models import Dataset
from kaidan.store import arrow
from kaidan.store.relation import compile_relation

pytestmark = pytest.mark.django_db


@pytest.fixture
def typed(tmp_path, make_org, make_user):
    clerk = make_user("clerk", make_org("somu", name="総務課"), role="manager")
    path = tmp_path / "typed.csv"
    path.write_text(
        "番号,人数,金額,日付,日時,時刻,有無,郵便番号,電話,緯度,経度,備考\n"
        "1,3,1200.5,2026-04-01,2026-04-01 09:30,09:30,○,154-0001,03-1234-5678,35.64,139.67,あ\n"
        "2,,0.25,令和5年4月1日,2026-12-01 23:59:59,23:59,×,1540002,0312345679,35.70,139.60,\n"
        "3,-7,,2024-02-29,,,,,,,,改行\nあり\n",
        encoding="utf-8",
    )
    call_command("import", str(path), dataset="typed", org="somu", yes=True, verbosity=0)
    return clerk, Dataset.objects.get(name="typed")


def test_the_columnar_snapshot_equals_the_row_readers_for_every_type(typed):
    clerk, dataset = typed
    rel = compile_relation(dataset, actor=clerk)
    assert {f.type for f in rel.visible} >= {"integer", "decimal", "date", "datetime", "time", "boolean"}
    assert arrow.snapshot(rel).equals(row_snapshot(rel))


def test_the_columnar_snapshot_keeps_the_row_scope_and_the_visible_columns():
    call_command("demo", stdout=io.StringIO())
    mimamori = Dataset.objects.get(name="mimamori")
    for username in ("shakyo.staff", "houkatsu.staff", "fukushi.viewer"):
        rel = compile_relation(mimamori, actor=User.objects.get(username=username))
        columnar, rows = arrow.snapshot(rel), row_snapshot(rel)
        assert columnar.equals(rows), username
        assert columnar.num_rows == rel.count() and columnar.column_names == [f.name for f in rel.visible]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_snapshot_comes_through_adbc_and_is_the_same(typed, monkeypatch):
    """PostgreSQL: committed rows are read as Arrow batches by the ADBC driver (kaidan.store.arrow); the table
    is the one the row reader gives, for every type and within a row scope — and the driver path is really
    taken. SQLite reads through Django's connection (the driver's own SQLite copy must not open that file)."""
    from django.db import connection

    from kaidan.store import staging

    if connection.vendor != "postgresql":
        pytest.skip("ADBC reads the snapshot on PostgreSQL only")
    assert staging.available()
    clerk, dataset = typed
    rel = compile_relation(dataset, actor=clerk)
    taken: list[str] = []
    real = arrow._through_adbc
    monkeypatch.setattr(arrow, "_through_adbc", lambda *a: taken.append("adbc") or real(*a))
    assert arrow.snapshot(rel).equals(row_snapshot(rel))
    assert taken == ["adbc"]
    call_command("demo", stdout=io.StringIO())
    mimamori = Dataset.objects.get(name="mimamori")
    for username in ("shakyo.staff", "houkatsu.staff"):  # partners with a row scope
        scoped = compile_relation(mimamori, actor=User.objects.get(username=username))
        assert scoped.where()[0]
        taken.clear()
        assert arrow.snapshot(scoped).equals(row_snapshot(scoped)), username
        assert taken == ["adbc"], username
