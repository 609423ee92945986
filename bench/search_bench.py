"""Japanese search: recall, precision, latency and index size of Kaidan's engine against SQLite FTS5
(`unicode61`, the default tokenizer, and `trigram`), on one deterministic corpus, in one run (issue 13).

    .venv/bin/python bench/search_bench.py 1000000            # Kaidan on SQLite, peers on SQLite
    BENCH_DATABASE_URL=postgresql://…/<empty db> .venv/bin/python bench/search_bench.py 1000000

The corpus (tests/search/corpus.py) is municipal free text with words planted in their variant forms; every
query's answer is known from what was planted. Kaidan imports the corpus with `kaidan import`, indexes it
(`kaidan search reindex`'s code), and answers each query through the search service as a clerk of the owner
organization; the peers index the same texts and answer the same query strings. Latency is per query, over
`--repeat` runs of the whole query set (p50 and p99 of all of them).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from summary import record  # noqa: E402
from tests.search.corpus import QUERIES, Query, write_csv  # noqa: E402


def score(found: set[int], expected: set[int]) -> tuple[float, float]:
    hits = len(found & expected)
    recall = hits / len(expected) if expected else 1.0
    precision = hits / len(found) if found else (1.0 if not expected else 0.0)
    return recall, precision


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_kaidan(csv_path: Path, planted: list[frozenset[str]], data_dir: Path, repeat: int) -> dict:
    os.environ["KAIDAN_DATA_DIR"] = str(data_dir)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["KAIDAN_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kaidan.accounts.models import User
    from kaidan.accounts.services import create_organization, set_membership
    from kaidan.catalog.models import Dataset
    from kaidan.search import index
    from kaidan.search.selectors import matching_row_ids, search
    from kaidan.store.selectors import iter_rows, iter_rows_with_rev

    call_command("migrate", verbosity=0)
    org = create_organization(actor=None, code="kucho", name="区長室", kind="department")
    clerk = User.objects.create_user(username="clerk", password="x" * 12)
    set_membership(actor=None, user=clerk, organization=org, role="manager")
    started = time.perf_counter()
    call_command("import", str(csv_path), dataset="voices", org="kucho", yes=True, verbosity=0)
    imported = time.perf_counter() - started
    dataset = Dataset.objects.get(name="voices")
    before = index_bytes(connection)
    started = time.perf_counter()
    index.reindex_dataset(dataset)
    indexing = time.perf_counter() - started
    size = index_bytes(connection) - before
    number = dataset.live_fields()[0]
    by_row = {row_id: int(values[0]) - 1 for row_id, values in iter_rows(dataset, [number])}
    quality = {}
    for query in QUERIES:
        found = {by_row[r] for r in matching_row_ids(dataset, query.text, actor=clerk, limit=10_000_000)}
        quality[query.text] = score(found, query.answer(planted))
    latencies: list[float] = []
    for _ in range(repeat):
        for query in QUERIES:
            started = time.perf_counter()
            search(query.text, actor=clerk, dataset=dataset, kinds=("record",))
            latencies.append(time.perf_counter() - started)
    # one record edited, then indexed again (the revision's own transaction does it)
    from kaidan.editing.services import edit_record

    field = dataset.live_fields()[1]
    row_id, rev, _values = next(iter(iter_rows_with_rev(dataset, [field])))
    started = time.perf_counter()
    edit_record(dataset, row_id, {field.name: "相談の内容を修正しました。"}, rev, actor=clerk)
    edit = time.perf_counter() - started
    return {
        "engine": f"Kaidan ({connection.vendor})",
        "quality": quality,
        "latencies": latencies,
        "index_bytes": size,
        "index_seconds": indexing,
        "import_seconds": imported,
        "edit_seconds": edit,
    }


def index_bytes(connection) -> int:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'search%' OR name LIKE 'sqlite_autoindex_search%'"
            )
        else:
            cursor.execute("SELECT pg_total_relation_size('search_searchentry')")
        return int(cursor.fetchone()[0])


def fts5_query(text: str) -> str:
    """The query string as FTS5 reads it: words ANDed, "…" phrases, OR, and - as NOT."""
    parts = []
    for word in text.split():
        if word == "OR":
            parts.append("OR")
        elif word.startswith("-"):
            parts.append(f'NOT "{word[1:]}"')
        else:
            parts.append('"' + word.strip('"') + '"')
    return " ".join(parts)


def run_fts5(texts: list[str], planted: list[frozenset[str]], tokenizer: str, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "fts.sqlite3")
        db.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize='{tokenizer}')")
        started = time.perf_counter()
        db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", enumerate(texts))
        db.commit()
        indexing = time.perf_counter() - started
        size = db.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 't_%'").fetchone()[0]

        def answer(query: Query) -> set[int]:
            try:
                return {
                    r for (r,) in db.execute("SELECT rowid FROM t WHERE t MATCH ?", [fts5_query(query.text)])
                }
            except sqlite3.OperationalError:
                return set()

        quality = {q.text: score(answer(q), q.answer(planted)) for q in QUERIES}
        latencies = []
        for _ in range(repeat):
            for query in QUERIES:
                started = time.perf_counter()
                answer(query)
                latencies.append(time.perf_counter() - started)
        return {
            "engine": f"FTS5 {tokenizer}",
            "quality": quality,
            "latencies": latencies,
            "index_bytes": size,
            "index_seconds": indexing,
        }


def report(results: list[dict], text_bytes: int, rows: int) -> None:
    print(
        f"\n{rows:,} records, {text_bytes / 1e6:.1f} MB of text (UTF-8); load average {os.getloadavg()[0]:.1f}\n"
    )
    header = "| query | kind | " + " | ".join(r["engine"] + " recall / precision" for r in results) + " |"
    print(header)
    print("|" + "---|" * (2 + len(results)))
    for query in QUERIES:
        cells = [f"{r['quality'][query.text][0]:.2f} / {r['quality'][query.text][1]:.2f}" for r in results]
        print(f"| `{query.text}` | {query.kind} | " + " | ".join(cells) + " |")
    print()
    print("| engine | recall (all queries) | precision | p50 | p99 | index size | ÷ text | index time |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        rec = min(v[0] for v in r["quality"].values())
        pre = min(v[1] for v in r["quality"].values())
        p50, p99 = percentile(r["latencies"], 50) * 1000, percentile(r["latencies"], 99) * 1000
        print(
            f"| {r['engine']} | {rec:.2f} (min) | {pre:.2f} (min) | {p50:.1f} ms | {p99:.1f} ms | "
            f"{r['index_bytes'] / 1e6:.0f} MB | {r['index_bytes'] / text_bytes:.1f}× | {r['index_seconds']:.0f} s |"
        )
    kaidan = results[0]
    unicode61 = results[1]
    p50 = percentile(kaidan["latencies"], 50) * 1000
    record(
        "search",
        f"{rows:,} records",
        measure="recall (min over queries)",
        ratio=min(v[0] for v in kaidan["quality"].values()),
        target="1.0",
        met=min(v[0] for v in kaidan["quality"].values()) == 1.0,
    )
    record("search", f"{rows:,} records", measure="p50 latency ms", ratio=p50, target="< 50", met=p50 < 50)
    record(
        "search",
        f"{rows:,} records",
        measure="index size ÷ text",
        ratio=kaidan["index_bytes"] / text_bytes,
        target="≤ 3",
        met=kaidan["index_bytes"] / text_bytes <= 3,
    )
    record(
        "search",
        f"{rows:,} records",
        measure="p50 ÷ FTS5 unicode61",
        ratio=p50 / max(percentile(unicode61["latencies"], 50) * 1000, 1e-9),
        target="",
        met=None,
    )
    record(
        "search",
        "edit + re-index one record",
        measure="ms",
        ratio=kaidan["edit_seconds"] * 1000,
        target="< 100",
        met=kaidan["edit_seconds"] * 1000 < 100,
    )
    print(
        f"\nKaidan: import {kaidan['import_seconds']:.0f} s, full index {kaidan['index_seconds']:.0f} s, "
        f"one record edited and re-indexed in its transaction: {kaidan['edit_seconds'] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--rate", type=float, default=0.001, help="share of records each word is planted in")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kaidan-search-bench-") as tmp:
        csv_path = Path(tmp) / "corpus.csv"
        planted = write_csv(csv_path, args.rows, rate=args.rate)
        import csv

        with csv_path.open(encoding="utf-8") as handle:
            texts = [row[1] for row in list(csv.reader(handle))[1:]]
        text_bytes = sum(len(t.encode()) for t in texts)
        results = [run_kaidan(csv_path, planted, Path(tmp) / "data", args.repeat)]
        for tokenizer in ("unicode61", "trigram"):
            results.append(run_fts5(texts, planted, tokenizer, args.repeat))
        report(results, text_bytes, args.rows)


if __name__ == "__main__":
    main()
