"""Bulk writes through ADBC: Arrow batches into a staging table, applied inside the revision's transaction.

ADBC (`adbc-driver-sqlite`, `adbc-driver-postgresql`) ingests Arrow batches without a Python object
per cell, but it opens a connection of its own, outside the transaction Django's connection holds for
the revision. The hand-over keeps the import atomic:

1. While the import runs, a writer thread ingests each batch through ADBC into a **staging table** of its
   own: on SQLite in a separate database file (``<database dir>/staging/<token>.sqlite3``, so the staging
   connection never waits for the lock the revision's transaction holds on the main file); on PostgreSQL
   in a table ``kd_stage_<token>`` of the same database, in ADBC's own transaction, committed when the
   last batch is in. The staging rows already carry their final ids and `_hash`.
2. At the end, **on Django's connection, inside the revision's transaction**, one set-based statement moves
   them: ``INSERT INTO <table> SELECT … FROM stg.rows`` (SQLite, the staging file ATTACHed) or, on
   PostgreSQL, ``INSERT … SELECT`` from the staging table and ``DROP`` of it — or, for a table created by
   this very import and still empty, ``DROP`` of that empty table and ``RENAME`` of the staging table to
   it (no second copy of the rows). Those statements commit or roll back with the revision.

A ``kill -9`` at any moment therefore leaves the dataset exactly as before: the revision's transaction
never committed. What it can leave is staging — a staging file, or on PostgreSQL a committed
``kd_stage_`` table (when the kill falls between ADBC's commit and the revision's). Each staging is held
by its live owner (a ``flock`` on ``<token>.lock``; a session advisory lock on PostgreSQL), so
`clean_leftovers`, run before every bulk import, removes exactly the staging of dead processes.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pyarrow as pa
from django.db import DatabaseError, connection, transaction

from kaidan.catalog.models import Dataset, Field

from . import tables
from .values import sql_type

log = logging.getLogger(__name__)

PREFIX = "kd_stage_"
Changed = Callable[[list[tuple[int, list[Any], list[Any]]]], None]
_LOCK_SPACE = 0x4B44  # "KD": advisory locks of staging tables are (this, crc32 of the token)


def available() -> bool:
    """True when this connection's database has an ADBC driver here (and is not in memory)."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        return bool(name) and ":memory:" not in name and "mode=memory" not in name and _importable("sqlite")
    return connection.vendor == "postgresql" and _importable("postgresql")


def _importable(driver: str) -> bool:
    try:
        __import__(f"adbc_driver_{driver}.dbapi")
    except ImportError:
        return False
    return True


def staging_dir() -> Path:
    return Path(str(connection.settings_dict["NAME"])).resolve().parent / "staging"


_LIBPQ_OPTIONS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "passfile",
    "service",
)  # connection parameters among Django's OPTIONS (its own keys, e.g. isolation_level, are not libpq's)


def postgres_url() -> str:
    """A libpq URL for the database Django's connection uses (host, port, user, password, options such
    as ``sslmode``; a socket directory as HOST too)."""
    s = connection.settings_dict
    user = quote(str(s.get("USER") or ""), safe="")
    password = quote(str(s.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = str(s.get("HOST") or "127.0.0.1")
    port = s.get("PORT") or 5432
    options = s.get("OPTIONS") or {}
    params = {k: str(options[k]) for k in _LIBPQ_OPTIONS if k in options}
    if host.startswith("/"):
        params["host"], netloc = host, f"{auth}:{port}" if port else auth
    else:
        netloc = f"{auth}{host}:{port}"
    query = ("?" + urlencode(params)) if params else ""
    return f"postgresql://{netloc}/{quote(str(s['NAME']), safe='')}{query}"


def _lock_key(token: str) -> int:
    return zlib.crc32(token.encode()) - (1 << 31)  # a signed int4, as pg_try_advisory_lock(int, int) takes


class Staging:
    """One import's staging table: `append` from the writer thread, `apply` on Django's connection."""

    def __init__(self, dataset: Dataset, fields: Sequence[Field], revision: int, *, new_table: bool) -> None:
        import adbc_driver_manager.dbapi  # noqa: F401 - imported here so that the module loads without it

        self.dataset = dataset
        self.fields = list(fields)
        self.revision = int(revision)
        self.vendor = connection.vendor
        self.token = secrets.token_hex(8)
        self.rows = 0
        self._lock_fd: int | None = None
        self._attached = ""
        data = [f.column for f in self.fields]
        if self.vendor == "sqlite":
            from adbc_driver_sqlite import dbapi as sqlite_dbapi

            folder = staging_dir()
            folder.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(folder / f"{self.token}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.path = folder / f"{self.token}.sqlite3"
            self.table = "rows"
            self.columns = ["_id", "_hash", *data]
            self._conn = sqlite_dbapi.connect(str(self.path))
            # rename only applies on PostgreSQL: the staging file is another database
            self._renamable = False
            types = ["INTEGER", "INTEGER", *(sql_type(f.type, "sqlite") for f in self.fields)]
            ddl = ", ".join(f"{tables.q(c)} {t}" for c, t in zip(self.columns, types, strict=True))
            self._execute(f"CREATE TABLE {self.table} ({ddl})")
        else:
            from adbc_driver_postgresql import dbapi as postgres_dbapi

            self.table = PREFIX + self.token
            self.columns = [*tables.BOOKKEEPING, *data]
            self._conn = postgres_dbapi.connect(postgres_url())
            self._execute(f"SELECT pg_advisory_lock({_LOCK_SPACE}, {_lock_key(self.token)})")
            self._conn.commit()  # the session lock stays; only the staging's own rows wait for the end
            # a table this import creates is replaced by the staging table: that one must be logged
            self._renamable = new_table
            unlogged = "" if new_table else "UNLOGGED "
            bookkeeping = [
                "_id BIGINT NOT NULL",
                "_ord BIGINT NOT NULL",
                "_created_rev INTEGER NOT NULL",
                "_deleted_rev INTEGER",
                "_rev INTEGER NOT NULL",
                "_hash BIGINT NOT NULL",
            ]
            ddl = ", ".join(
                [
                    *bookkeeping,
                    *(f"{tables.q(f.column)} {sql_type(f.type, 'postgresql')}" for f in self.fields),
                ]
            )
            self._execute(f"CREATE {unlogged}TABLE {tables.q(self.table)} ({ddl})")

    def _execute(self, sql: str) -> None:
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    def append(self, ids: pa.Array, hashes: pa.Array, stored: Sequence[pa.Array]) -> None:
        """Ingest one batch (called from the writer thread; ADBC releases the GIL while it writes)."""
        count = len(ids)
        if self.vendor == "sqlite":
            arrays = [ids, hashes, *stored]
        else:
            number = pa.scalar(self.revision, pa.int32())
            revs = pa.repeat(number, count)
            arrays = [ids, ids, revs, pa.nulls(count, pa.int32()), revs, hashes, *stored]
        batch = pa.RecordBatch.from_arrays(arrays, names=self.columns)
        cursor = self._conn.cursor()
        try:
            cursor.adbc_ingest(self.table, batch, mode="append")
        finally:
            cursor.close()
        self.rows += count

    def apply(self, *, key: Field | None = None, changed: Changed | None = None) -> int:
        """Move the staged rows into the dataset's table, on Django's connection (the revision's
        transaction); returns how many rows were inserted. After this the staging is gone or goes with
        that transaction.

        With ``key`` (an upsert by key, every field in the file), a staged row whose key is a current row
        of the table is not inserted: if its `_hash` differs, ``changed`` receives it, in chunks of
        ``(row id, stored values, staged values)`` (both as stored, in field order) — only the changed
        rows are read back into Python, so the history stays O(changed rows)."""
        if key is not None:
            self._execute(
                f"CREATE INDEX {tables.q(self.table + '_key')} ON {tables.q(self.table)} ({tables.q(key.column)})"
            )
        self._conn.commit()
        target = tables.q(self.dataset.table_name)
        names = [*tables.BOOKKEEPING, *(f.column for f in self.fields)]
        column_list = ", ".join(tables.q(c) for c in names)
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                self._conn.close()
                # ATTACH works inside the transaction, DETACH only after it ended: `close` detaches
                _detach_pending(cursor)
                alias = f"kaidan_staging_{self.token}"
                cursor.execute(f"ATTACH DATABASE %s AS {alias}", [str(self.path)])
                self._attached = alias
                source = f"{alias}.{self.table}"
                number = self.revision
                data = "".join(f", s.{tables.q(f.column)}" for f in self.fields)
                select = f"SELECT s._id, s._id, {number}, NULL, {number}, s._hash{data} FROM {source} s"
                target_in = f"main.{target}"
            else:
                source = tables.q(self.table)
                select = f"SELECT {', '.join('s.' + tables.q(c) for c in names)} FROM {source} s"
                target_in = target
                if key is None and self._renamable and not _has_rows(cursor, target):
                    cursor.execute(f"DROP TABLE {target}")
                    cursor.execute(f"ALTER TABLE {source} RENAME TO {target}")
                    cursor.execute(f"ALTER TABLE {target} ADD PRIMARY KEY (_id)")
                    return self.rows
            if key is not None:
                column = tables.q(key.column)
                if changed is not None:
                    self._changed(cursor, target_in, source, column, changed)
                select += (
                    f" WHERE NOT EXISTS (SELECT 1 FROM {target_in} t "
                    f"WHERE t.{column} = s.{column} AND t.{tables.ALIVE})"
                )
            cursor.execute(f"INSERT INTO {target_in} ({column_list}) {select}")
            inserted = cursor.rowcount
            if self.vendor == "postgresql":
                cursor.execute(f"DROP TABLE {source}")
            return int(inserted)

    def _changed(self, cursor: Any, target: str, source: str, key: str, changed: Changed) -> None:
        cursor.execute(
            f"SELECT t._id FROM {target} t JOIN {source} s ON s.{key} = t.{key} "
            f"WHERE t.{tables.ALIVE} AND t._hash <> s._hash ORDER BY t._id"
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
        width = len(self.fields)
        columns = ", ".join(f"t.{tables.q(f.column)}" for f in self.fields)
        staged = ", ".join(f"s.{tables.q(f.column)}" for f in self.fields)
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT t._id, {columns}, {staged} FROM {target} t JOIN {source} s ON s.{key} = t.{key} "
                f"WHERE t._id IN ({marks}) ORDER BY t._id",
                chunk,
            )
            rows = cursor.fetchall()
            changed([(int(r[0]), list(r[1 : 1 + width]), list(r[1 + width :])) for r in rows])

    def close(self) -> None:
        """Release the staging. Runs after the revision's transaction ended (committed or not)."""
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - already closed, or its server is gone
            log.debug("staging connection already closed", exc_info=True)
        if self.vendor == "sqlite":
            if self._attached:
                _pending_detach.append(self._attached)
                with connection.cursor() as cursor:
                    _detach_pending(cursor)
                self._attached = ""
            for suffix in (".sqlite3", ".sqlite3-journal", ".sqlite3-wal", ".sqlite3-shm"):
                (self.path.parent / f"{self.token}{suffix}").unlink(missing_ok=True)
            if self._lock_fd is not None:
                (self.path.parent / f"{self.token}.lock").unlink(missing_ok=True)
                os.close(self._lock_fd)
                self._lock_fd = None
            return
        # committed by ADBC but not moved (the revision's transaction failed after `apply`): drop it now
        with connection.cursor() as cursor:
            _drop_if_unheld(cursor, self.token)


_pending_detach: list[str] = []  # staging files ATTACHed by this process's connection, to DETACH


def _detach_pending(cursor: Any) -> None:
    """DETACH the staging files of earlier imports. SQLite refuses it inside a transaction that read
    them; an import running inside an outer transaction (tests) is detached when a later one can."""
    for alias in list(_pending_detach):
        try:
            cursor.execute(f"DETACH DATABASE {alias}")
        except DatabaseError as exc:
            if "no such database" not in str(exc):
                continue
        _pending_detach.remove(alias)


def _has_rows(cursor: Any, table: str) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return bool(cursor.fetchone()[0])


def _drop_if_unheld(cursor: Any, token: str) -> None:
    """Drop ``kd_stage_<token>`` unless a live importer holds it (its advisory lock)."""
    key = _lock_key(token)
    cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_SPACE, key])
    if not cursor.fetchone()[0]:
        return
    try:
        cursor.execute(f"DROP TABLE IF EXISTS {tables.q(PREFIX + token)}")
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_SPACE, key])


def clean_leftovers() -> int:
    """Remove the staging that killed imports left behind; returns how many. Run outside a transaction."""
    if not available():
        return 0
    removed = 0
    if connection.vendor == "sqlite":
        folder = staging_dir()
        if not folder.is_dir():
            return 0
        for lock in folder.glob("*.lock"):
            fd = os.open(lock, os.O_RDWR)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live import
                for suffix in (".sqlite3", ".sqlite3-journal", ".sqlite3-wal", ".sqlite3-shm"):
                    (folder / f"{lock.stem}{suffix}").unlink(missing_ok=True)
                lock.unlink(missing_ok=True)
                removed += 1
            finally:
                os.close(fd)
        return removed
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
            [PREFIX.replace("_", r"\_") + "%"],
        )
        names = [name for (name,) in cursor.fetchall()]
        for name in names:
            try:
                with transaction.atomic():
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                    _drop_if_unheld(cursor, name[len(PREFIX) :])
            except DatabaseError:  # e.g. a lock held by a transaction about to drop it itself
                log.info("staging table %s left for the next clean-up", name, exc_info=True)
                continue
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                removed += 1
    return removed
