"""The analysis engine against DuckDB and SQLite run directly on the same data, in one run (issue 15).

    .venv/bin/python bench/analysis_bench.py 1000000 [--rounds 5]

The data is gen_data.py's consultation log (1,000,000 rows) and a 28-row district table. Kaidan imports both
(`kaidan import`), then runs each query through `kaidan.analysis.engine.run` as a clerk — permissions applied
below the SQL: DuckDB over the Arrow snapshot of the clerk's visible relation. "cold" is the first query after
a new revision in a process without the snapshot: "from the file" cuts it from the revision's columnar file
that the background worker writes after each write (kaidan.store.columnar; the bench runs and times that job
itself), "from the table" reads the master table (before the worker has finished); "warm" reuses the
snapshot (every later query on that revision and view). The peers: DuckDB on a table loaded from the same CSV, and SQLite on a table of the
same rows (no index: the queries scan), each measured in the same run. Medians of `--rounds`.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import instance_with_clerk
from summary import record

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

QUERIES = {
    "group-by (2 keys, sum, count)": (
        "SELECT 区分, 地区, sum(金額) AS 金額, count(*) AS n FROM {t} GROUP BY 区分, 地区 ORDER BY 区分, 地区"
    ),
    "filtered group-by": (
        "SELECT 地区, sum(件数) AS 件数 FROM {t} WHERE 受付日 >= '2023-01-01' AND 区分 = '介護' "
        "GROUP BY 地区 ORDER BY 地区"
    ),
    "join of two datasets": (
        "SELECT d.人口区分, count(*) AS n, sum(c.金額) AS 金額 FROM {t} c JOIN {d} d ON c.地区 = d.地区 "
        "GROUP BY d.人口区分 ORDER BY d.人口区分"
    ),
}
DISTRICTS = [
    "池尻", "太子堂", "若林", "上町", "経堂", "下馬", "上馬", "代沢", "新代田", "北沢", "松原", "松沢", "奥沢", "九品仏",
    "等々力", "上野毛", "用賀", "二子玉川", "深沢", "祖師谷", "成城", "船橋", "喜多見", "砧", "上北沢", "上祖師谷", "烏山",
    "三軒茶屋",
]  # fmt: skip


def median_time(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kaidan-analysis-bench-") as tmp:
        data = Path(tmp) / "log.csv"
        subprocess.check_call(
            [sys.executable, str(ROOT / "bench" / "gen_data.py"), str(args.rows), str(data)]
        )
        districts = Path(tmp) / "districts.csv"
        with districts.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["地区", "人口区分"])
            for i, name in enumerate(DISTRICTS):
                writer.writerow([name, "大" if i % 3 == 0 else "中" if i % 3 == 1 else "小"])

        clerk = instance_with_clerk(Path(tmp) / "data")
        from django.core.management import call_command

        from kaidan.analysis import engine, snapshots

        call_command("import", str(data), dataset="log", org="seisaku", yes=True, verbosity=0)
        call_command("import", str(districts), dataset="districts", org="seisaku", yes=True, verbosity=0)
        from kaidan.catalog.models import Dataset
        from kaidan.store import columnar

        started, started_cpu = time.perf_counter(), time.process_time()
        columnar.build(Dataset.objects.get(name="log").pk)  # the worker's job after the import's commit
        built = (time.perf_counter() - started, time.process_time() - started_cpu)

        duck = __import__("duckdb").connect()
        duck.execute(f"CREATE TABLE log AS SELECT * FROM read_csv('{data}', header=true)")
        duck.execute(f"CREATE TABLE districts AS SELECT * FROM read_csv('{districts}', header=true)")
        lite = sqlite3.connect(":memory:")
        for name, path in (("log", data), ("districts", districts)):
            with path.open(encoding="utf-8") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                lite.execute(f"CREATE TABLE {name} ({', '.join(header)})")
                lite.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(header))})", reader)

        rows = []
        for label, template in QUERIES.items():
            sql = template.format(t="log", d="districts")

            def cold(sql: str = sql) -> None:
                snapshots.clear()
                engine.run(sql, actor=clerk)

            def cold_table(sql: str = sql) -> None:
                snapshots.clear()
                size, columnar.FROM_ROWS = columnar.FROM_ROWS, sys.maxsize  # as if there were no file yet
                try:
                    engine.run(sql, actor=clerk)
                finally:
                    columnar.FROM_ROWS = size

            def warm(sql: str = sql) -> None:
                engine.run(sql, actor=clerk)

            answers = {
                "kaidan": engine.run(sql, actor=clerk).rows,
                "duckdb": duck.execute(sql).fetchall(),
                "sqlite": lite.execute(sql).fetchall(),
            }
            same = len(answers["kaidan"]) == len(answers["duckdb"]) == len(answers["sqlite"])
            rows.append(
                (
                    label,
                    median_time(cold_table, max(1, args.rounds // 2)),
                    median_time(cold, args.rounds),
                    median_time(warm, args.rounds),
                    median_time(lambda sql=sql: duck.execute(sql).fetchall(), args.rounds),
                    median_time(lambda sql=sql: lite.execute(sql).fetchall(), args.rounds),
                    same,
                )
            )
    print(f"\n{args.rows:,} rows; load average {os.getloadavg()[0]:.1f}")
    print(f"The worker's columnar file of the revision: {built[0]:.1f} s (CPU {built[1]:.1f} s)\n")
    print(
        "| query | Kaidan cold, from the table | Kaidan cold, from the file | Kaidan warm | DuckDB | SQLite "
        "| warm ÷ DuckDB | cold (file) ÷ DuckDB | same rows |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, table_s, cold_s, warm_s, duck_s, lite_s, same in rows:
        print(
            f"| {label} | {table_s * 1000:.0f} ms | {cold_s * 1000:.0f} ms | {warm_s * 1000:.0f} ms | "
            f"{duck_s * 1000:.0f} ms | {lite_s * 1000:.0f} ms | {warm_s / duck_s:.1f}× | {cold_s / duck_s:.1f}× "
            f"| {same} |"
        )
        record(
            "analysis",
            f"{label}, {args.rows:,} rows, warm",
            measure="time ÷ DuckDB",
            ratio=warm_s / duck_s,
            target="≤ 2",
            met=warm_s / duck_s <= 2 and same,
        )
        record(
            "analysis",
            f"{label}, {args.rows:,} rows, warm",
            measure="time ÷ SQLite",
            ratio=warm_s / lite_s,
            target="",
            met=None,
        )


if __name__ == "__main__":
    main()
