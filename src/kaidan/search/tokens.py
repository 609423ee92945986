"""The index's tokens, cut by each database itself from the stored words (one SQL function per database).

An entry stores only its normalized words (kaidan.values.textsearch.words: word characters, single spaces);
`kaidan_search_tokens(norm)` cuts them into every character and every pair of neighbouring characters inside
a word. On SQLite it is a Python function registered on every connection (used by the triggers that keep the
contentless FTS5 table `search_fts` in step, which must be told a deleted row's tokens); on PostgreSQL an
IMMUTABLE SQL function returning a text[] (used by a GIN expression index, so no token is stored in the
table). Both cut at spaces alone, so both index the very same tokens.

The cut must never change under stored entries: SQLite's contentless FTS5 table removes a row by being told
its tokens again, and tokens it was not given at insert corrupt it ("database disk image is malformed"). A
change to `index_tokens` therefore comes with a migration that empties `search_fts` ('delete-all') and
writes it again from `norm`.

The PostgreSQL function is declared costly (COST 10000) so the planner answers `tokens @> …` from the GIN
index rather than computing the function for every row of a dataset (an OR of two words, planned on the
dataset's index before the table had statistics, took 56 s on 100,000 records instead of milliseconds).
"""

from __future__ import annotations

from typing import Any

from kaidan.values.textsearch import index_tokens

SQLITE_FUNCTION = "kaidan_search_tokens"


def sqlite_tokens(norm: str | None) -> str:
    """The tokens of `norm`, space-separated (FTS5's default tokenizer reads them one by one)."""
    return " ".join(index_tokens(norm or ""))


def register_sqlite(dbapi_connection: Any) -> None:
    dbapi_connection.create_function(SQLITE_FUNCTION, 1, sqlite_tokens, deterministic=True)


def connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        register_sqlite(connection.connection)


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION kaidan_search_tokens(norm text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
  SELECT ARRAY(
    SELECT DISTINCT substr(w, i, n)
    FROM unnest(string_to_array(norm, ' ')) AS w,
         generate_series(1, length(w)) AS i,
         (VALUES (1), (2)) AS k(n)
    WHERE w <> '' AND i + n - 1 <= length(w)
  )
$$
"""
