"""The full-text lookups of the search index, in each database's own machinery (SQL on the index only).

A query (kaidan.values.textsearch.Query) becomes: AND of its groups, each an OR of terms, each term an AND of
its tokens (the bigrams of its longer chunks, its 1-character chunks as unigrams: `term_tokens`; on
PostgreSQL, outside documents, a 1-character chunk is a prefix query over pairs and word ends:
kaidan.search.tokens). The index keeps no positions (FTS5 `detail=none`, GIN indexes over a token array or a
position-free tsvector), so order and phrases are left to the exact check, as are negated terms. These lookups only *propose* entries; kaidan.search.selectors confirms
every one.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from kaidan.values.textsearch import Query, term_tokens

from .models import Kind
from .tokens import tsquery_lexeme


def _sqlite_match(query: Query) -> str:
    # tokens are word characters only (no quotes), so quoting each one is enough
    groups = []
    for group in query.groups:
        terms = ["(" + " AND ".join(f'"{t}"' for t in term_tokens(term)) + ")" for term in group]
        groups.append("(" + " OR ".join(terms) + ")")
    return " AND ".join(groups)


def _postgres_where(query: Query, kind: str) -> tuple[str, list[Any]]:
    if kind == "document":  # the token array (kaidan.search.tokens): every character and pair
        groups = []
        params: list[Any] = []
        for group in query.groups:
            terms = []
            for term in group:
                terms.append("kaidan_search_tokens(e.norm) @> %s::text[]")
                params.append(term_tokens(term))
            groups.append("(" + " OR ".join(terms) + ")")
        return " AND ".join(groups), params
    # the lexemes: pairs and each word's last character; a 1-character chunk is the prefix query 'c':*
    tsquery = " & ".join(
        "("
        + " | ".join(
            "(" + " & ".join(tsquery_lexeme(t, len(t) == 1) for t in term_tokens(term)) + ")"
            for term in group
        )
        + ")"
        for group in query.groups
    )
    return "kaidan_search_lexemes(e.norm) @@ %s::tsquery", [tsquery]


def _lookup(query: Query, columns: str, kind: str, dataset_ids: list[int] | None, limit: int) -> list[Any]:
    if query.empty:
        return []
    extra = ""
    extra_params: list[Any] = [kind]
    if dataset_ids is not None:
        if not dataset_ids:
            return []
        extra = f" AND e.dataset_id IN ({', '.join(['%s'] * len(dataset_ids))})"
        extra_params += dataset_ids
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # CROSS JOIN makes SQLite run the full-text lookup first and join its few rows to the entries;
            # with a plain JOIN it may walk every entry of the dataset and probe FTS5 for each (0.5 s
            # instead of 10 ms on 20,000 records, bench/search_bench.py).
            cursor.execute(
                f"SELECT {columns} FROM search_fts CROSS JOIN search_searchentry e ON e.id = search_fts.rowid "
                f"WHERE search_fts MATCH %s AND e.kind = %s{extra} ORDER BY e.id LIMIT {int(limit)}",
                [_sqlite_match(query), *extra_params],
            )
            return cursor.fetchall()
    # the kind is written into the statement (one of Kind's values), so the planner sees which
    # partial GIN index (migration 0004) answers it
    where, params = _postgres_where(query, kind)
    with transaction.atomic(), connection.cursor() as cursor:
        # The token function's declared cost (COST 10000, so that no plan computes it for every row) makes
        # the planner price the recheck of even 1,000 candidates above `jit_above_cost` and worth parallel
        # workers: compiling the plan and starting the workers cost 10–35 ms of a lookup that takes 3 ms
        # without them (EXPLAIN ANALYZE, 1,000,000 records). Both are turned off for this statement's
        # transaction only (`set_config(…, true)` is SET LOCAL; inside a caller's transaction, to its end).
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"
        )
        cursor.execute(
            f"SELECT {columns} FROM search_searchentry e WHERE {where} AND e.kind = '{Kind(kind).value}'"
            f"{extra} ORDER BY e.id LIMIT {int(limit)}",
            [*params, *extra_params[1:]],
        )
        return cursor.fetchall()


def candidates(
    query: Query, *, kind: str, dataset_ids: list[int] | None = None, limit: int = 5000
) -> list[int]:
    """Ids of index entries of `kind` that hold every term of the query (before the exact check)."""
    return [int(row[0]) for row in _lookup(query, "e.id", kind, dataset_ids, limit)]


def record_cells(query: Query, *, dataset_id: int, limit: int) -> list[tuple[int, int, str]]:
    """(row id, field id, words) of the record entries of one dataset that hold every term's tokens (before
    the exact check)."""
    rows = _lookup(query, "e.row_id, e.field_id, e.norm", "record", [dataset_id], limit)
    return [(int(r), int(f), str(n)) for r, f, n in rows]


def row_entries(dataset_id: int, row_ids: list[int]) -> list[tuple[int, int, str]]:
    """(row id, field id, words) of every record entry of these rows (for the exact check of a record)."""
    if not row_ids:
        return []
    marks = ", ".join(["%s"] * len(row_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_id, field_id, norm FROM search_searchentry "
            f"WHERE dataset_id = %s AND row_id IN ({marks}) ORDER BY row_id, field_id",
            [dataset_id, *row_ids],
        )
        return [(int(r), int(f), str(n)) for r, f, n in cursor.fetchall()]
