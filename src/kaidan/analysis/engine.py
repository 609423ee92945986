"""SQL over what an actor may see: DuckDB over the actor's visible relations, and nothing else.

Permissions are applied *below* the SQL, never by reading it: each query runs in a new DuckDB connection
(to the process's empty in-memory database) that holds only Arrow snapshots of the actor's visible
relations (kaidan.store.relation: visible columns by their current classification, the row scope, current
rows or as of a revision), as temporary views only that connection can see. The connection
has no file system or network (`enable_external_access = false`), no extension loading, no access to
Python variables, and its configuration is locked; only one SELECT statement is accepted; a time limit
interrupts it and a row cap truncates its answer.

Which of the actor's datasets are loaded is decided by whether their name or title appears in the text —
a loading hint, not a permission: a dataset that is not loaded cannot be read, and what is loaded is already
the actor's view. Each dataset is a table under its machine name (columns by machine name) and a view under
its title (columns by label), so clerks can write `SELECT 地区, count(*) FROM 見守り対象者名簿 GROUP BY 地区`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import audit_read, list_datasets
from kaidan.core.errors import DomainError
from kaidan.store import arrow
from kaidan.store.relation import VisibleRelation, compile_relation

from . import snapshots

ROW_LIMIT = 10_000
TIME_LIMIT = 10.0


class QueryRefused(DomainError):
    status = 400
    default = gettext_lazy("The query was refused.")


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    elapsed_ms: float
    tables: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    """DuckDB's type of each column ("INTEGER", "DECIMAL(18,4)", "VARCHAR", …)."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot(rel: VisibleRelation) -> pa.Table:
    """The relation's visible columns as an Arrow table: current rows column by column from the store,
    rows as of a past revision through the relation's row reader (their values are patched in Python)."""
    if rel.as_of is None:
        return arrow.snapshot(rel)
    return row_snapshot(rel)


SAMPLE = 10_000


def compact(table: pa.Table) -> pa.Table:
    """The table with its low-cardinality text columns dictionary-encoded (the same values).

    DuckDB scans an Arrow dictionary as a dictionary vector: a filter or group-by on 区分 or 地区 compares
    small integers instead of strings (a filtered group-by over 1,000,000 rows: 11 → 4 ms; DuckDB's own
    table 14 ms). A column is encoded when a tenth or fewer of its first `SAMPLE` values are distinct, so
    free text is never encoded (encoding 1,000,000 distinct texts would cost half a second); encoding a
    low-cardinality column costs about 20 ms per 1,000,000 rows, once per snapshot."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) and len(column) >= 2 * SAMPLE // 10:
            head = column.slice(0, SAMPLE)
            if pc.count_distinct(head).as_py() * 10 <= len(head):
                column = pc.dictionary_encode(column)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _engine_snapshot(rel: VisibleRelation) -> pa.Table:
    return compact(snapshot(rel))


def row_snapshot(rel: VisibleRelation) -> pa.Table:
    """The relation's rows through its row reader (any revision), turned into columns."""
    index = {f.pk: i for i, f in enumerate(rel.fields)}
    columns: dict[int, list[Any]] = {f.pk: [] for f in rel.visible}
    for _row_id, _rev, values in rel.rows():
        for f in rel.visible:
            value = values[index[f.pk]]
            columns[f.pk].append(float(value) if isinstance(value, Decimal) else value)
    arrays = [pa.array(columns[f.pk], type=arrow.arrow_type(f.type)) for f in rel.visible]
    return pa.table(arrays, names=[f.name for f in rel.visible])


_database: duckdb.DuckDBPyConnection | None = None
_database_lock = threading.Lock()


def _connection() -> duckdb.DuckDBPyConnection:
    """A new connection (DuckDB's cursor) to the process's one locked in-memory database.

    Opening a database costs 30–60 ms on this machine (most of a warm query); a cursor costs well under
    one. A cursor is still isolated from every other query: its snapshots and views are temporary objects,
    which DuckDB keeps per connection (another connection cannot name, list or read them:
    tests/analysis/test_engine_isolation.py), the database itself holds nothing, only one SELECT is ever
    run, and the configuration was locked before the first cursor was handed out.
    """
    global _database
    with _database_lock:
        if _database is None:
            database = duckdb.connect(
                ":memory:",
                config={
                    "enable_external_access": False,
                    "autoinstall_known_extensions": False,
                    "autoload_known_extensions": False,
                },
            )
            database.execute("SET python_enable_replacements = false")
            database.execute("SET lock_configuration = true")
            _database = database
        return _database.cursor()


def _single_select(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(str(exc).split("\n")[0]) from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused(
            gettext_lazy("Only one SELECT statement is accepted (the data cannot be changed here).")
        )


def _titles(dataset: Dataset) -> list[str]:
    """The dataset's title, and the title without a trailing note in brackets (見守り対象者名簿（架空…）)."""
    return _title_forms(dataset.title)


def _title_forms(title: str) -> list[str]:
    short = re.split(r"[（(]", title, maxsplit=1)[0].strip()
    return list(dict.fromkeys(t for t in (title, short) if t))


def _mentioned(sql: str, dataset: Dataset, aliases: tuple[str, ...]) -> bool:
    return _names_mentioned(sql, (dataset.name, *_titles(dataset), *aliases))


def _names_mentioned(sql: str, names: Sequence[str]) -> bool:
    text = sql.casefold()
    return any(name and name.casefold() in text for name in names)


def _named_in(sql: str) -> list[int]:
    """Ids of the datasets whose name or title the SQL contains (a loading hint over every dataset's name;
    whether the actor may read one is decided afterwards by the access service)."""
    return [
        pk
        for pk, name, title in Dataset.objects.values_list("pk", "name", "title")
        if _names_mentioned(sql, (name, *_title_forms(title)))
    ]


def run(
    sql: str,
    *,
    actor: Actor,
    as_of: Mapping[int, int] | None = None,
    row_limit: int = ROW_LIMIT,
    time_limit: float = TIME_LIMIT,
    tables: Mapping[str, Dataset] | None = None,
    purpose: str = "sql",
    params: Sequence[Any] = (),
) -> Result:
    """Run one SELECT over the actor's datasets. `tables` names the datasets otherwise (the CKAN API uses
    resource ids); `as_of` maps dataset ids to revisions to read instead of the current rows; `params` are
    the values of the statement's `?` placeholders (charts build their SQL with them)."""
    con = _connection()
    try:
        return _run(
            con,
            sql,
            actor=actor,
            as_of=as_of,
            row_limit=row_limit,
            time_limit=time_limit,
            tables=tables,
            purpose=purpose,
            params=params,
        )
    finally:
        con.close()


def _run(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    *,
    actor: Actor,
    as_of: Mapping[int, int] | None,
    row_limit: int,
    time_limit: float,
    tables: Mapping[str, Dataset] | None,
    purpose: str,
    params: Sequence[Any],
) -> Result:
    _single_select(con, sql)
    candidates = (
        [(name, ds, (name,)) for name, ds in tables.items()]
        if tables is not None
        else [(ds.name, ds, ()) for ds in list_datasets(actor=actor, among=_named_in(sql))]
    )
    loaded: list[str] = []
    for name, dataset, aliases in candidates:
        if not _mentioned(sql, dataset, aliases):
            continue
        rel = compile_relation(dataset, actor=actor, as_of=(as_of or {}).get(dataset.pk))
        if not rel.allowed:
            continue
        con.register(f"__kaidan_{dataset.pk}", snapshots.cached(rel, _engine_snapshot))
        con.execute(f"CREATE TEMP VIEW {_quote(name)} AS SELECT * FROM __kaidan_{dataset.pk}")
        if tables is None:
            labels = ", ".join(f"{_quote(f.name)} AS {_quote(f.label)}" for f in rel.visible) or "*"
            for title in _titles(dataset):
                if title != name and title not in loaded:
                    con.execute(
                        f"CREATE TEMP VIEW {_quote(title)} AS SELECT {labels} FROM __kaidan_{dataset.pk}"
                    )
        audit_read(dataset, rel.visible, purpose, {"revision": rel.number}, actor=actor)
        loaded.append(name)
    timer = threading.Timer(time_limit, con.interrupt)
    started = time.monotonic()
    timer.start()
    try:
        cursor = con.execute(sql, list(params)) if params else con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        types = [str(d[1]) for d in cursor.description or []]
        rows = cursor.fetchmany(row_limit + 1)
    except duckdb.InterruptException:
        raise QueryRefused(
            gettext_lazy("The query took longer than %(seconds)s seconds and was stopped.")
            % {"seconds": time_limit}
        ) from None
    except duckdb.Error as exc:
        raise QueryRefused(_first_line(str(exc))) from None
    finally:
        timer.cancel()
        elapsed = (time.monotonic() - started) * 1000
    record(
        "analysis.sql",
        None,
        actor=actor,
        detail={"sql": sql[:2000], "datasets": loaded, "rows": min(len(rows), row_limit)},
    )
    return Result(
        columns, [tuple(r) for r in rows[:row_limit]], len(rows) > row_limit, elapsed, loaded, types
    )


def _first_line(message: str) -> str:
    """DuckDB's message without hints that list other tables (they would be only the actor's own anyway)."""
    first = message.split("\n")[0]
    return re.sub(r"\s+", " ", first)[:500]
