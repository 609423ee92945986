"""Whole-instance facts for backup and restore (the store owns the SQL that reads every table)."""

from __future__ import annotations

from django.db import connection


def table_counts() -> dict[str, int]:
    """Rows in every table of the database (a backup's manifest)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
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
