"""Bulk imports through ADBC give exactly what the row-wise writer gives, and leave nothing behind.

A big import's rows go as Arrow batches through ADBC into a staging table and are moved into the dataset's
table inside the revision's transaction (`kaidan.store.staging`). That is only speed: the stored values,
their types and the `_hash` of every row must be those of the row-wise path, and staging must never
outlive its import (a killed import's staging is removed by the next one; see also
tests/store/test_kill_during_import.py).
"""

from __future__ import annotations

import fcntl
import os
import random
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from time import sleep

import pyarrow as pa
import pytest
from django.db import connection

from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.ingest.columnar import ColumnConverter
from kaidan.ingest.services import plan_import, run_import
from kaidan.store import services, staging, tables
from kaidan.store.batches import canonical_text, row_hashes, stored_array
from kaidan.store.values import row_hash, to_db
from kaidan.values.types import FieldType, convert

from ..ingest.test_ingest_fastpath import TRICKY

TYPED: dict[FieldType, list[object]] = {
    FieldType.TEXT: ["", "池尻", "a\x1fb", "x" * 3000, "\x00", "ｺﾏｴ", " padded "],
    FieldType.CODE: ["0123", "ABC-1", ""],
    FieldType.POSTAL_CODE: ["154-0001"],
    FieldType.PHONE: ["03-5432-1111"],
    FieldType.INTEGER: [0, 1, -5, 2**62, -(2**63)],
    FieldType.DECIMAL: [Decimal("1.50"), Decimal("2"), Decimal("-0.001"), Decimal("123456789.125")],
    FieldType.LATITUDE: [Decimal("35.6"), Decimal("-90")],
    FieldType.LONGITUDE: [Decimal("139.7")],
    FieldType.DATE: [date(2023, 4, 1), date(1868, 1, 25), date(1, 1, 1), date(9999, 12, 31)],
    # naive, as the converter gives them (a TIMESTAMP without time zone)
    FieldType.DATETIME: [datetime(2023, 4, 1, 9, 30), datetime(2023, 4, 1, 9, 30, 0, 123456)],  # noqa: DTZ001
    FieldType.TIME: [time(9, 0), time(23, 59, 59, 5)],
    FieldType.BOOLEAN: [True, False],
}
ARROW_TYPES = {
    FieldType.TEXT: pa.string(),
    FieldType.CODE: pa.string(),
    FieldType.INTEGER: pa.int64(),
    FieldType.DATE: pa.date32(),
}


def _column(field_type: FieldType, seed: int, size: int = 300) -> list[object]:
    pick = random.Random(seed)
    return [None if pick.random() < 0.2 else pick.choice(TYPED[field_type]) for _ in range(size)]


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
@pytest.mark.parametrize("field_type", list(FieldType))
def test_stored_columns_equal_to_db_of_each_value(field_type: FieldType, vendor: str) -> None:
    values = _column(field_type, 1)
    expected = [to_db(v, field_type, vendor) for v in values]
    got = stored_array(values, field_type, vendor).to_pylist()
    assert [(v, type(v)) for v in got] == [(v, type(v)) for v in expected]
    if field_type in ARROW_TYPES:  # as an Arrow array, the way the converters hand them over
        arrow = stored_array(pa.array(values, ARROW_TYPES[field_type]), field_type, vendor).to_pylist()
        assert [(v, type(v)) for v in arrow] == [(v, type(v)) for v in expected]


def test_row_hashes_equal_row_hash_of_each_row() -> None:
    kinds = list(FieldType)
    columns = [_column(kind, seed) for seed, kind in enumerate(kinds)]
    rows = list(zip(*columns, strict=True))
    expected = [row_hash(list(row)) for row in rows]
    texts = [canonical_text(column, kind) for column, kind in zip(columns, kinds, strict=True)]
    assert row_hashes(texts, len(rows)).to_pylist() == expected
    arrow = [
        canonical_text(pa.array(column, ARROW_TYPES[kind]) if kind in ARROW_TYPES else column, kind)
        for column, kind in zip(columns, kinds, strict=True)
    ]
    assert row_hashes(arrow, len(rows)).to_pylist() == expected
    # a slice of a bigger array (an offset into its buffers), and a table without columns
    sliced = [t.slice(10, 50) for t in texts]
    assert row_hashes(sliced, 50).to_pylist() == expected[10:60]
    assert row_hashes([], 3).to_pylist() == [row_hash([])] * 3


@pytest.mark.parametrize("field_type", list(FieldType))
@pytest.mark.parametrize("size", [500, 3000])  # converted by kernels cell by cell, and per distinct value
def test_arrow_conversion_equals_cell_conversion_on_tricky_cells(field_type: FieldType, size: int) -> None:
    values = [random.Random(i).choice(TRICKY) for i in range(size)]
    expected, expected_errors = [], {}
    for i, value in enumerate(values):
        try:
            expected.append(convert(value, field_type))
        except ValueError as exc:
            expected.append(None)
            expected_errors[i] = str(exc)
    for cells in (values, pa.array(values, pa.string())):
        typed, errors = ColumnConverter(field_type).typed(cells)
        got = typed.to_pylist() if isinstance(typed, pa.Array) else typed
        assert [(v, type(v)) for v in got] == [(v, type(v)) for v in expected]
        assert {i: str(e) for i, e in errors.items()} == expected_errors


def _stored_rows(dataset: Dataset) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {tables.q(dataset.table_name)} ORDER BY _id")
        return cursor.fetchall()


def _csv(tmp_path: Path, name: str, rows: int, start: int = 1) -> Path:
    lines = ["番号,名称,地区,件数,金額,受付日,区分"]
    for n in range(start, start + rows):
        amount = ["1,234", "△100", "１２", "", str(n)][n % 5]
        day = ["2023-04-01", "R5.4.1", "令和元年5月1日", "", f"2024-01-{n % 28 + 1:02d}"][n % 5]
        lines.append(f"{n},施設{n}ｺﾏｴ,{'池尻' if n % 3 else '太子堂'},{n % 7},{amount},{day},0{n % 9}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="cp932")
    return path


def _leftovers() -> list[str]:
    if connection.vendor == "sqlite":
        folder = staging.staging_dir()
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'kd\\_stage\\_%'")
        return [r[0] for r in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_a_staged_import_stores_exactly_what_the_row_wise_import_stores(tmp_path, make_org, monkeypatch):
    org = make_org("dx")
    first, more = _csv(tmp_path, "a.csv", 3000), _csv(tmp_path, "b.csv", 2500, start=3001)
    stored = {}
    for way, threshold in (("rows", 10**9), ("staged", 1000)):
        monkeypatch.setattr(services, "STAGING_FROM_ROWS", threshold)
        plan, analysis = plan_import(first, dataset=f"t-{way}", organization=org.code)
        run_import(plan, actor=SYSTEM, analysis=analysis)
        plan, analysis = plan_import(more, dataset=f"t-{way}", mode="append")
        run_import(plan, actor=SYSTEM, analysis=analysis)
        dataset = Dataset.objects.get(name=f"t-{way}")
        stored[way] = (_stored_rows(dataset), dataset.row_count, dataset.current_revision)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [dataset.table_name]
                )
                # the same indexes, under the same names (the staged table was renamed into place)
                stored[way] += ([r[0].replace(dataset.table_name, "T") for r in cursor.fetchall()],)
    assert stored["staged"] == stored["rows"]
    assert stored["staged"][1:3] == (5500, 2)
    assert _leftovers() == []


def _end_session(holder) -> None:
    """Close a psycopg session and wait until its server process is gone: the server drops a closed
    session's advisory locks a moment after the client has hung up."""
    (pid,) = holder.execute("SELECT pg_backend_pid()").fetchone()
    holder.close()
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            sleep(0.025)


@pytest.mark.django_db(transaction=True)
def test_staging_of_a_dead_import_is_removed_by_the_next_import_and_a_live_one_is_kept(
    tmp_path, make_org, monkeypatch
):
    org = make_org("dx")
    monkeypatch.setattr(services, "STAGING_FROM_ROWS", 1000)
    # what a killed import leaves: staging nobody holds ("deadbeef"); and a live import's ("cafe")
    if connection.vendor == "sqlite":
        folder = staging.staging_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "deadbeef.lock").write_bytes(b"")
        (folder / "deadbeef.sqlite3").write_bytes(b"")
        live = os.open(folder / "cafe.lock", os.O_CREAT | os.O_RDWR)
        fcntl.flock(live, fcntl.LOCK_EX)
        (folder / "cafe.sqlite3").write_bytes(b"")
    else:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE kd_stage_deadbeef (_id BIGINT)")
        import psycopg

        holder = psycopg.connect(staging.postgres_url(), autocommit=True)
        holder.execute(f"SELECT pg_advisory_lock({staging._LOCK_SPACE}, {staging._lock_key('cafe')})")
        holder.execute("CREATE TABLE kd_stage_cafe (_id BIGINT)")
    plan, analysis = plan_import(_csv(tmp_path, "a.csv", 2000), dataset="t", organization=org.code)
    run_import(plan, actor=SYSTEM, analysis=analysis)
    if connection.vendor == "sqlite":
        assert _leftovers() == ["cafe.lock", "cafe.sqlite3"]
        os.close(live)
    else:
        assert _leftovers() == ["kd_stage_cafe"]
        _end_session(holder)
    assert staging.clean_leftovers() == 1
    assert _leftovers() == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_staged_import_writes_nothing_and_leaves_no_staging(tmp_path, make_org, monkeypatch):
    org = make_org("dx")
    monkeypatch.setattr(services, "STAGING_FROM_ROWS", 1000)
    plan, analysis = plan_import(_csv(tmp_path, "a.csv", 2000), dataset="t", organization=org.code)
    run_import(plan, actor=SYSTEM, analysis=analysis)
    before = _stored_rows(Dataset.objects.get(name="t"))

    def fail(*args, **kwargs):
        raise RuntimeError("the server went away")

    monkeypatch.setattr(services.RevisionWriter, "finish", fail)
    plan, analysis = plan_import(_csv(tmp_path, "b.csv", 3000, start=5000), dataset="t", mode="append")
    with pytest.raises(RuntimeError):
        run_import(plan, actor=SYSTEM, analysis=analysis)
    dataset = Dataset.objects.get(name="t")
    assert (dataset.current_revision, _stored_rows(dataset)) == (1, before)
    assert _leftovers() == []


def _spreadsheet_rows(count: int) -> list[list[object]]:
    """Typed cells as a spreadsheet holds them: whole numbers as floats, dates, booleans, mixed columns,
    and totals / notes rows whose first cell is a number or a word."""
    rows: list[list[object]] = []
    for n in range(1, count + 1):
        rows.append(
            [
                n,  # the id (Excel stores it as a float)
                f"施設{n}ｺﾏｴ",
                float(n % 7),
                [1.5, 2.0, "1,234", "△100", None][n % 5],
                [datetime(2023, 4, 1), "R5.4.1", "令和元年5月1日", None, date(2024, 1, n % 28 + 1)][n % 5],  # noqa: DTZ001
                [True, False, "○", "×", None][n % 5],
                [f"0{n % 9}", n % 9 + 10, f"00{n % 9}"][n % 3],
            ]
        )
        if n % 500 == 0:
            rows += [
                ["合計", None, 100.0, None, None, None, None],
                ["※注 速報値", None, None, None, None, None, None],
            ]
    return rows


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["xlsx", "json"])  # (real ODS files: tests/ingest/test_ingest_fastpath.py)
def test_a_staged_spreadsheet_or_json_import_stores_the_cell_by_cell_conversion(
    tmp_path, make_org, monkeypatch, kind
):
    """Spreadsheets and JSON take the same columnar path (typed cells converted a column at a time,
    rows staged through ADBC): every stored value and `_hash` is that of converting each cell alone."""
    import json

    from kaidan.ingest.plan import iter_records
    from kaidan.store.values import from_db

    org = make_org("dx")
    monkeypatch.setattr(services, "STAGING_FROM_ROWS", 1000)
    header = ["番号", "名称", "件数", "金額", "受付日", "有無", "コード"]
    rows = _spreadsheet_rows(3000)
    path = tmp_path / f"typed.{kind}"
    if kind == "json":

        def plain(value: object) -> object:
            return value.isoformat() if isinstance(value, date) else value

        path.write_text(
            json.dumps([dict(zip(header, map(plain, r), strict=True)) for r in rows], ensure_ascii=False)
        )
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
    plan, analysis = plan_import(path, dataset="t", organization=org.code)
    assert analysis.total_rows and analysis.note_rows
    # every kind of column is there: whole numbers, decimals, dates (with times in Excel), booleans and codes
    types = [c.type for c in plan.columns]
    assert types[4] in ("date", "datetime")
    assert types[:4] + types[5:] == ["integer", "text", "integer", "decimal", "boolean", "code"]
    result = run_import(plan, actor=SYSTEM, analysis=analysis)
    fields = result.dataset.live_fields()
    expected = []
    for _number, raw in iter_records(analysis):
        values = [convert(v, FieldType(f.type)) for v, f in zip(raw, fields, strict=True)]
        expected.append((row_hash(values), values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT _hash, {', '.join(tables.q(f.column) for f in fields)} "
            f"FROM {tables.q(result.dataset.table_name)} ORDER BY _id"
        )
        got = [
            (r[0], [from_db(v, f.type) for v, f in zip(r[1:], fields, strict=True)])
            for r in cursor.fetchall()
        ]
    assert len(got) == 3000
    assert got == expected


def _changed_csv(tmp_path: Path, name: str) -> Path:
    """b.csv for an upsert onto a.csv: rows 1–2000 again (every 7th with another 件数), 3001–3500 new."""
    original = _csv(tmp_path, f"{name}-base.csv", 2000).read_text(encoding="cp932").splitlines()
    lines = [original[0]]
    for n, line in enumerate(original[1:], start=1):
        cells = line.split(",")
        if n % 7 == 0:
            cells[3] = str(int(cells[3]) + 100)
        lines.append(",".join(cells))
    lines += _csv(tmp_path, f"{name}-new.csv", 500, start=3001).read_text(encoding="cp932").splitlines()[1:]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="cp932")
    return path


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["upsert", "replace"])
def test_a_staged_upsert_by_key_records_exactly_what_the_row_wise_upsert_records(
    tmp_path, make_org, monkeypatch, mode
):
    """Set-based upsert: the same rows, the same change records (only the changed rows), the same counts."""
    from kaidan.store.models import Revision, RowChange

    org = make_org("dx")
    first, again = _csv(tmp_path, "a.csv", 3000), _changed_csv(tmp_path, "b.csv")
    keyed = []
    apply = staging.Staging.apply

    def spy(self, *, key=None, changed=None):
        keyed.append(key is not None)
        return apply(self, key=key, changed=changed)

    monkeypatch.setattr(staging.Staging, "apply", spy)
    results = {}
    for way, threshold in (("rows", 10**9), ("staged", 1000)):
        monkeypatch.setattr(services, "STAGING_FROM_ROWS", threshold)
        plan, analysis = plan_import(first, dataset=f"t-{way}", organization=org.code, key="番号")
        run_import(plan, actor=SYSTEM, analysis=analysis)
        plan, analysis = plan_import(again, dataset=f"t-{way}", mode=mode)
        result = run_import(plan, actor=SYSTEM, analysis=analysis)
        revision = Revision.objects.get(pk=result.revision.pk)
        name = {f.column: f.name for f in result.dataset.live_fields()}
        changes = sorted(
            (
                c.row_id,
                sorted((name[k], v) for k, v in c.old.items()),
                sorted((name[k], v) for k, v in c.new.items()),
            )
            for c in RowChange.objects.filter(revision=revision)
        )
        rows = [r[:2] + r[3:] for r in _stored_rows(result.dataset)]  # (all but _created_rev: the same)
        results[way] = (revision.added, revision.changed, revision.removed, changes, rows)
    assert keyed == [False, True]  # the staged way's two imports: a bulk insert, then a set-based upsert
    assert results["staged"][:3] == results["rows"][:3]
    assert results["rows"][:3] == (500, 2000 // 7, 1000 if mode == "replace" else 0)
    assert results["staged"][3] == results["rows"][3]

    # new rows' ids may differ (staged rows are numbered before their key is looked up): compare by values
    def by_values(rows: list[tuple]) -> list[tuple]:
        return sorted(r[4:] + (r[2] is None,) for r in rows)

    assert by_values(results["staged"][4]) == by_values(results["rows"][4])
    assert _leftovers() == []
