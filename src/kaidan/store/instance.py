"""Whole-instance facts for backup and restore (the store owns the SQL that reads every table)."""

from __future__ import annotations

from django.db import connection


def table_counts() -> dict[str, int]:
    """Rows in every table of the database (a backup's manifest)."""
    counts = {}
    with connection.cursor() as cursor:
        virtual: set[str] = set()
        if connection.vendor == "sqlite":
            # a contentless FTS5 table (the search index) cannot be scanned; its shadow tables are counted
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
            )
            virtual = {name for (name,) in cursor.fetchall()}
        for table in sorted(set(connection.introspection.table_names()) - virtual):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def is_empty() -> bool:
    """No users and no datasets: an instance a backup may be restored into."""
    tables = set(connection.introspection.table_names())
    if "accounts_user" not in tables:
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM accounts_user) + (SELECT count(*) FROM catalog_dataset)")
        return int(cursor.fetchone()[0]) == 0
