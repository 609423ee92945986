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

On PostgreSQL, the entries that are not documents (records and dataset metadata, the many, each at most
kaidan.search.index.MAX_TEXT characters) are indexed more compactly (migration 0004):
`kaidan_search_lexemes(norm)` keeps each pair of neighbouring characters inside a word and only the *last*
character of each word, as a `tsvector` under a GIN index; a 1-character query becomes the prefix query
`'c':*`, which finds c before another character (a pair starting with c) and at the end of a word (the
unigram). That is every place c can be, so candidates stay a superset, in 45 % fewer index items: the index
of 100,000 records went from 16.6 MB to 7.6 MB (bench/search_bench.py). Documents keep the token array: a
200,000-character document's pairs could exceed a tsvector's 1 MB limit. Both GIN indexes keep a small pending
list (`gin_pending_list_limit` 512 kB): the default 4 MB leaves that much free space in the index after each
clean-up.

The PostgreSQL functions are declared costly (COST 10000) so the planner answers `tokens @> …` from the GIN
index rather than computing the function for every row of a dataset (an OR of two words, planned on the
dataset's index before the table had statistics, took 56 s on 100,000 records instead of milliseconds).
"""

from __future__ import annotations

import operator
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

POSTGRES_LEXEMES = """
CREATE OR REPLACE FUNCTION kaidan_search_lexemes(norm text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
DECLARE
  i int;
  a text;
  b text;
  found text[] := '{}';
BEGIN
  FOR i IN 1..length(norm) LOOP
    a := substr(norm, i, 1);
    IF a <> ' ' THEN
      b := substr(norm, i + 1, 1);
      IF b = '' OR b = ' ' THEN
        found := found || a;
      ELSE
        found := found || (a || b);
      END IF;
    END IF;
  END LOOP;
  RETURN array_to_tsvector(found);
END
$$
"""


def lexeme_tokens(words_text: str) -> set[str]:
    """What `kaidan_search_lexemes` keeps of a words text: the pairs inside each word and each word's last
    character."""
    found: set[str] = set()
    for word in words_text.split(" "):
        found.update(map(operator.add, word, word[1:]))
        if word:
            found.add(word[-1])
    return found


def tsquery_lexeme(token: str, prefix: bool = False) -> str:
    """One lexeme of a tsquery, quoted (tokens are word characters, but quote and backslash are escaped
    anyway)."""
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted
