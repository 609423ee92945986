"""Model instances read by one fixed statement, exactly as the ORM builds them, for the reads every page makes.

Every grid page, record page and `datastore_search` reads its dataset (with its owner) and the dataset's
fields. Through the ORM each of those queries cost several times its execution (building the query, compiling
it to SQL, resolving expressions): about 0.3 ms of a 2 ms answer each, measured in bench/grid_load_bench.py.
Here the statement is built once per database vendor and the rows become instances with `Model.from_db`
after the same value converters the ORM applies (SQLite's texts to datetimes, integers to booleans …), so the
instances are indistinguishable from the ORM's (tests/store/test_plainread.py).

Only the catalog's own tables (datasets, organizations, fields) are read here, never a dataset table; the module
lives in kaidan.store because only the store runs SQL of its own (tests/security/test_one_gate.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

M = TypeVar("M", bound=models.Model)

Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def columns(
    model: type[models.Model], vendor: str
) -> tuple[list[str], str, list[list[tuple[Any, Converter]]]]:
    """(attribute names, the quoted `table.column` list, the converters of each column) of a model."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    names: list[str] = []
    selected: list[str] = []
    converters: list[list[tuple[Any, Converter]]] = []
    for field in model._meta.concrete_fields:
        names.append(field.attname)
        selected.append(f"{quote(table)}.{quote(str(field.column))}")
        col = field.get_col(table)
        converters.append(
            [(col, c) for c in connection.ops.get_db_converters(col) + col.get_db_converters(connection)]
        )
    return names, ", ".join(selected), converters


@functools.cache
def _plan(
    model: type[models.Model], vendor: str
) -> tuple[list[str], list[tuple[int, list[tuple[Any, Converter]]]], bool]:
    """(attribute names, the columns that have converters with their chains, whether instances may be made
    without `__init__`): a model with pre_init/post_init receivers is built by `from_db`."""
    names, _sql, converters = columns(model, vendor)
    chains = [(i, chain) for i, chain in enumerate(converters) if chain]
    plain = not (
        models.signals.pre_init.has_listeners(model) or models.signals.post_init.has_listeners(model)
    )
    return names, chains, plain


def build(model: type[M], values: Sequence[Any], db: Any = None) -> M:
    """An instance of `model` from the values of its `columns`, converted as the ORM converts them.

    Without init signals the instance is made as `Model.__init__` would leave it for these attributes (its
    state: from the database, not adding), skipping `__init__`'s per-field loop (a third of a
    `datastore_search` record's field reads, bench/grid_load_bench.py)."""
    db = db if db is not None else connections[DEFAULT_DB_ALIAS]  # resolved once, not per attribute
    names, chains, plain = _plan(model, db.vendor)
    converted = list(values)
    if len(converted) != len(names):
        raise ValueError(f"{model.__name__}: {len(names)} columns expected, {len(converted)} read")
    for i, chain in chains:
        value = converted[i]
        for expression, converter in chain:
            value = converter(value, expression, db)
        converted[i] = value
    if not plain:
        return model.from_db(db.alias, names, converted)
    instance = model.__new__(model)
    state = models.base.ModelState()
    state.adding = False
    state.db = db.alias
    instance._state = state
    instance.__dict__.update(zip(names, converted, strict=True))
    return instance


def dataset_with_owner(*, name: str | None = None, pk: int | None = None) -> Any:
    """The dataset with this machine name (or pk) and its owner organization, as
    `Dataset.objects.select_related("owner").get(…)` reads it, or None."""
    from kaidan.accounts.models import Organization
    from kaidan.catalog.models import Dataset

    by, value = ("name", name) if name is not None else ("id", pk)
    sql = _dataset_sql(connection.vendor, by)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(columns(Dataset, connection.vendor)[0])
    dataset = build(Dataset, row[:width])
    Dataset._meta.get_field("owner").set_cached_value(dataset, build(Organization, row[width:]))  # type: ignore[union-attr]
    return dataset


@functools.cache
def _dataset_sql(vendor: str, by: str) -> str:
    from kaidan.accounts.models import Organization
    from kaidan.catalog.models import Dataset

    quote = connection.ops.quote_name
    datasets, owners = quote(Dataset._meta.db_table), quote(Organization._meta.db_table)
    return (
        f"SELECT {columns(Dataset, vendor)[1]}, {columns(Organization, vendor)[1]} FROM {datasets} "
        f"INNER JOIN {owners} ON {datasets}.{quote('owner_id')} = {owners}.{quote('id')} "
        f"WHERE {datasets}.{quote(by)} = %s"
    )


def live_fields(dataset: Any) -> list[Any]:
    """`dataset.fields.filter(removed=False).order_by("position", "pk")`, each field's dataset attached."""
    from kaidan.catalog.models import Field

    with connection.cursor() as cursor:
        cursor.execute(_live_fields_sql(connection.vendor), [dataset.pk])
        rows = cursor.fetchall()
    db = connections[DEFAULT_DB_ALIAS]
    fields = [build(Field, row, db) for row in rows]
    link = Field._meta.get_field("dataset")
    for f in fields:  # field.dataset is this dataset, without a query (as the related manager does)
        link.set_cached_value(f, dataset)  # type: ignore[union-attr]
    return fields


@functools.cache
def _live_fields_sql(vendor: str) -> str:
    from kaidan.catalog.models import Field

    quote = connection.ops.quote_name
    table = quote(Field._meta.db_table)
    return (
        f"SELECT {columns(Field, vendor)[1]} FROM {table} WHERE {table}.{quote('dataset_id')} = %s "
        f"AND NOT {table}.{quote('removed')} ORDER BY {table}.{quote('position')}, {table}.{quote('id')}"
    )


def raw_rows(query: Any) -> list[tuple[Any, ...]]:
    """The rows of a queryset as the database driver returns them: no converters, no model instances (for
    digests over many rows, where building models would cost more than the query)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def tables_stamp(names: Sequence[str]) -> tuple[Any, ...] | None:
    """A value that changes whenever a row of these tables may have changed, far cheaper than reading them,
    or None where there is none (kaidan.opendata.catalog keeps the published catalogue under it).

    PostgreSQL: a 64-bit hash summed over every row version the transaction sees (`xmin`, `ctid`): any
    committed insert, update or delete changes it, in whatever order transactions commit, and a rolled-back
    change leaves it as it was. SQLite: the connection's `data_version` (changed by any other connection's
    commit, in any process) and `total_changes` (this connection's own changes; any table, so more often than
    needed), only outside a transaction (an own change there may still roll back)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + _postgres_stamp(tuple(names)))
            return ("postgresql", cursor.fetchone()[0])
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    connection.ensure_connection()
    raw = connection.connection
    return ("sqlite", raw, raw.execute("PRAGMA data_version").fetchone()[0], raw.total_changes)


def dataset_stamp(pk: int) -> tuple[Any, ...] | None:
    """A value that changes whenever the dataset's row, its owner's row or any of its fields' rows may have
    changed, or None inside a transaction on SQLite (see `tables_stamp`): what the anonymous visitor's
    visible relation of the dataset is compiled from (kaidan.opendata.datastore keeps it under this).

    PostgreSQL: one statement hashing those rows' versions (`xmin`, `ctid`) and counting the fields — one
    small query where the dataset, its owner and its fields are two, with a model per row. SQLite: the
    connection's stamp (any table, so more often than needed)."""
    if connection.vendor != "postgresql":
        return tables_stamp(())
    with connection.cursor() as cursor:
        cursor.execute(_dataset_stamp_sql(), [pk, pk])
        return ("postgresql", pk, cursor.fetchone()[0])


@functools.cache
def _dataset_stamp_sql() -> str:
    from kaidan.accounts.models import Organization
    from kaidan.catalog.models import Dataset, Field

    quote = connection.ops.quote_name
    datasets, owners = quote(Dataset._meta.db_table), quote(Organization._meta.db_table)
    fields = quote(Field._meta.db_table)
    version = "hashtextextended({0}.xmin::text || {0}.ctid::text, 0)"
    return (
        f"SELECT (SELECT {version.format('d')} || ':' || {version.format('o')} FROM {datasets} d "
        f"JOIN {owners} o ON o.{quote('id')} = d.{quote('owner_id')} WHERE d.{quote('id')} = %s) "
        f"|| '/' || (SELECT count(*) || ':' || coalesce(sum({version.format('f')}), 0) FROM {fields} f "
        f"WHERE f.{quote('dataset_id')} = %s)"
    )


@functools.cache
def _postgres_stamp(names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    return " || '/' || ".join(
        f"(SELECT count(*) || ':' || coalesce(sum(hashtextextended(xmin::text || ctid::text, 0)), 0) "
        f"FROM {quote(name)})"
        for name in names
    )
