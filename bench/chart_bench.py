"""A chart over 1,000,000 rows: Kaidan's chart path against DuckDB on the same data, in one run (issue 15).

    .venv/bin/python bench/chart_bench.py 1000000 [--rounds 5]

The data is gen_data.py's consultation log. Kaidan imports it (`kaidan import`), then draws saved charts as a
clerk: the spec compiled to one SELECT and run by the analysis engine over the Arrow snapshot of the clerk's
visible relation (permissions below the SQL), then drawn as a PNG by the server-side renderer. "cold"
is the first chart after a new revision in a process that has no snapshot yet: "cold, from the file" cuts it
from the revision's columnar file the background worker writes after each write (kaidan.store.columnar; the
bench runs that job itself and times it), "cold, from the table" reads the master table (the worker has not
finished yet); "warm" reuses the process's snapshot. The peer is DuckDB running the very SELECT Kaidan compiles, directly on its own table loaded from the
same CSV (no snapshot, no permissions, no connection per query); the PNG
drawing is timed apart (it does not depend on the row count). Medians of `--rounds`. Target: a chart over
1,000,000 rows in under 1 s.
"""

from __future__ import annotations

import argparse
import os
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

CHARTS = {
    "bar: sum(金額) by 地区": ({"type": "bar", "dimension": "地区", "aggregate": "sum", "measure": "金額", "limit": 30},
                              "SELECT 地区, sum(金額) AS v FROM log GROUP BY 地区 ORDER BY v DESC, 地区 LIMIT 30"),
    "stacked: count by 地区 × 区分": (
        {"type": "stacked", "dimension": "地区", "series": "区分", "limit": 30},
        "SELECT 地区, 区分, count(*) FROM log GROUP BY 地区, 区分 ORDER BY 地区, 区分",
    ),
    "filtered line: sum(件数) by 受付日 (区分 = 介護)": (
        {"type": "line", "dimension": "受付日", "aggregate": "sum", "measure": "件数", "limit": 50,
         "filters": [{"column": "区分", "op": "exact", "value": "介護"}]},
        "SELECT 受付日, sum(件数) FROM log WHERE 区分 = '介護' GROUP BY 受付日 ORDER BY 受付日 LIMIT 50",
    ),
}  # fmt: skip


CPU: dict[str, float] = {}


def median_time(fn, rounds: int, cpu: str = "") -> float:  # type: ignore[no-untyped-def]
    """Median wall time; with `cpu`, the median process CPU time is kept under that name too (steadier on
    a shared machine; DuckDB's threads count in it)."""
    times, cpus = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    if cpu:
        CPU[cpu] = statistics.median(cpus)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kaidan-chart-bench-") as tmp:
        data = Path(tmp) / "log.csv"
        subprocess.check_call(
            [sys.executable, str(ROOT / "bench" / "gen_data.py"), str(args.rows), str(data)]
        )
        clerk = instance_with_clerk(Path(tmp) / "data")
        from django.core.management import call_command

        from kaidan.analysis import snapshots
        from kaidan.catalog.models import Dataset
        from kaidan.charts import data as chart_data
        from kaidan.charts import render
        from kaidan.charts.spec import ChartSpec
        from kaidan.store import columnar

        call_command("import", str(data), dataset="log", org="seisaku", yes=True, verbosity=0)
        dataset = Dataset.objects.get(name="log")
        started, started_cpu = time.perf_counter(), time.process_time()
        columnar.build(dataset.pk)  # the worker's job after the import's commit
        built = (time.perf_counter() - started, time.process_time() - started_cpu)

        duck = __import__("duckdb").connect()
        duck.execute(f"CREATE TABLE log AS SELECT * FROM read_csv('{data}', header=true)")

        rows = []
        for label, (spec_json, _plain_sql) in CHARTS.items():
            spec = ChartSpec.from_json(spec_json)
            # the peer runs the very SELECT Kaidan compiles, directly on DuckDB's own table of the rows
            direct = chart_data.Source(
                chart_data.dataset_source(dataset, actor=clerk).columns,
                f"{chart_data.SOURCE} AS (SELECT * FROM log)",
                None,
            )
            peer_sql, peer_params = chart_data.compile_sql(spec, direct)

            def aggregate(spec: ChartSpec = spec) -> chart_data.ChartData:
                source = chart_data.dataset_source(dataset, actor=clerk)
                return chart_data.aggregate(spec, source, actor=clerk)

            def cold(aggregate=aggregate) -> None:  # type: ignore[no-untyped-def]
                snapshots.clear()
                aggregate()

            def cold_table(aggregate=aggregate) -> None:  # type: ignore[no-untyped-def]
                snapshots.clear()
                size, columnar.FROM_ROWS = columnar.FROM_ROWS, sys.maxsize  # as if there were no file yet
                try:
                    aggregate()
                finally:
                    columnar.FROM_ROWS = size

            figures = aggregate()
            # drawn afresh each round (render.render keeps pictures by content; _draw is the drawing itself)
            png = median_time(
                lambda figures=figures, label=label: render._draw(figures, label, "png"),
                args.rounds,
                f"{label} png",
            )
            shown = len(figures.rows) + 1  # the engine fetches one more row than it shows ("more exist")
            peer = median_time(
                lambda sql=peer_sql, p=peer_params, n=shown: duck.execute(sql, p).fetchmany(n),
                args.rounds,
                f"{label} duckdb",
            )
            answer = duck.execute(peer_sql, peer_params).fetchmany(len(figures.rows))
            rows.append(
                (
                    label,
                    median_time(cold_table, max(1, args.rounds // 2), f"{label} cold from the table"),
                    median_time(cold, args.rounds, f"{label} cold from the file"),
                    median_time(aggregate, args.rounds, f"{label} warm"),
                    peer,
                    png,
                    sorted(map(str, figures.rows)) == sorted(map(str, answer)),
                )
            )
    print(f"\n{args.rows:,} rows; load average {os.getloadavg()[0]:.1f}")
    print(f"The worker's columnar file of the revision: {built[0]:.1f} s (CPU {built[1]:.1f} s)\n")
    print("CPU time (process, median): " + "; ".join(f"{k} {v * 1000:.0f} ms" for k, v in CPU.items()) + "\n")
    print(
        "| chart | Kaidan cold, from the table | Kaidan cold, from the file | Kaidan warm | DuckDB | PNG drawing "
        "| warm ÷ DuckDB | warm chart (+PNG) | cold chart from the file (+PNG) | same rows |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, table_s, cold_s, warm_s, duck_s, png_s, same in rows:
        print(
            f"| {label} | {table_s * 1000:.0f} ms | {cold_s * 1000:.0f} ms | {warm_s * 1000:.0f} ms | "
            f"{duck_s * 1000:.0f} ms | {png_s * 1000:.0f} ms | {warm_s / duck_s:.1f}× | "
            f"{(warm_s + png_s) * 1000:.0f} ms | {(cold_s + png_s) * 1000:.0f} ms | {same} |"
        )
        case = f"{label}, {args.rows:,} rows"
        record("chart", f"{case}, warm", measure="time ÷ DuckDB", ratio=warm_s / duck_s, target="≤ 2",
               met=warm_s / duck_s <= 2 and same)  # fmt: skip
        for when, seconds in (("warm", warm_s + png_s), ("cold", cold_s + png_s)):
            record("chart", f"{case}, {when}, aggregate + PNG", measure="seconds", ratio=seconds, target="< 1",
                   met=seconds < 1)  # fmt: skip


if __name__ == "__main__":
    main()
