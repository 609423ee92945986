"""Grid page server time on a big dataset: Kaidan vs Datasette serving the same rows, in the same run.

Usage: python bench/grid_bench.py [ROWS] [--pg postgresql://…/dbname] [--requests N]

1. Generates ROWS rows with gen_data.py (the shared deterministic consultation log) and imports them
   into Kaidan (SQLite, and PostgreSQL when --pg names an empty database) as a public dataset.
2. Copies the same alive rows into a plain SQLite file for Datasette (same column names, same order).
3. Indexes the same two columns (地区 for the filter, 金額 for the sort) in every database.
4. Serves Kaidan with `kaidan serve` (uvicorn) and Datasette with `datasette serve`, both on loopback,
   and times N sequential GETs of each page (after warm-up): first page, filtered, sorted, one facet.
Prints p50/p99 in milliseconds and the Kaidan/Datasette ratio (target: ≤ 1 on SQLite).

Datasette runs with its default limits (sql_time_limit_ms=1000, facet_time_limit_ms=200): where it gives
up (a null count, an empty facet) it answers fast with a partial page; the report says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import free_port, wait_for

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

SETUP = r"""
import json, sys
import django
django.setup()
from kaidan.catalog.models import Dataset
from kaidan.store import tables
ds = Dataset.objects.get(name="bench")
fields = ds.live_fields()
for f in fields:
    if f.label in ("地区", "金額"):
        tables.index_for_grid(ds, f)  # as the grid's on-demand index task does
tables.analyze(ds)  # as the on-demand index task does
print(json.dumps({"table": ds.table_name, "columns": [[f.column, f.label] for f in fields]}))
"""


def timings(url: str, n: int) -> tuple[float, float, int]:
    """(p50 ms, p99 ms, bytes of the last answer) over n sequential requests after 3 warm-ups."""
    body = b""
    for _ in range(3):
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 — loopback
            body = response.read()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 — loopback
            body = response.read()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))], len(body)


def kaidan_env(work: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "KAIDAN_DATA_DIR": str(work / "kaidan"), "KAIDAN_DEBUG": "0"}
    env["KAIDAN_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env.pop("KAIDAN_DATABASE_URL", None)
    if database_url:
        env["KAIDAN_DATABASE_URL"] = database_url
    env["DJANGO_SETTINGS_MODULE"] = "kaidan.settings"
    return env


def load_kaidan(csv_path: Path, env: dict[str, str]) -> dict[str, object]:
    kaidan = str(BIN / "kaidan")
    subprocess.check_call([kaidan, "demo"], env=env, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    subprocess.check_call(
        [kaidan, "import", str(csv_path), "--dataset", "bench", "--org", "dx", "--classification", "public"]
        + ["--yes", "-v0"],
        env=env,
    )
    print(f"  import: {time.perf_counter() - start:.1f} s", flush=True)
    out = subprocess.check_output([sys.executable, "-c", SETUP], env=env, text=True)
    return dict(json.loads(out.strip().splitlines()[-1]))


def build_datasette_db(kaidan_db: Path, table: str, columns: list[list[str]], target: Path) -> None:
    con = sqlite3.connect(target)
    con.execute("ATTACH DATABASE ? AS k", [str(kaidan_db)])
    select = ", ".join(f'"{col}" AS "{label}"' for col, label in columns)
    con.execute(
        f'CREATE TABLE consult AS SELECT {select} FROM k."{table}" WHERE _deleted_rev IS NULL ORDER BY _ord'
    )
    con.execute('CREATE INDEX consult_chiku ON consult ("地区")')
    con.execute('CREATE INDEX consult_kingaku ON consult ("金額")')
    con.execute("ANALYZE")
    con.commit()
    con.execute("DETACH DATABASE k")
    con.close()


def first_district(csv_path: Path) -> str:
    with csv_path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        row = f.readline().rstrip("\n").split(",")
    return row[header.index("地区")]


def serve(cmd: list[str], env: dict[str, str] | None, url: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(url)
    return proc


def measure_kaidan(
    label: str, env: dict[str, str], district: str, n: int
) -> dict[str, tuple[float, float, int]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/datasets/bench/"
    proc = serve([str(BIN / "kaidan"), "serve", "--no-migrate", "--port", str(port)], env, base)
    try:
        q = urllib.parse.quote
        pages = {
            "first page": base,
            "filtered (地区 = …)": f"{base}?{q('地区__exact')}={q(district)}",
            "sorted (金額 desc)": f"{base}?sort={q('金額')}&desc=1",
            "one facet (地区)": f"{base}?facet={q('地区')}",
        }
        result = {name: timings(url, n) for name, url in pages.items()}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"  measured {label}", flush=True)
    return result


def measure_datasette(db: Path, district: str, n: int) -> dict[str, tuple[float, float, int]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/{db.stem}/consult"
    proc = serve([str(BIN / "datasette"), "serve", str(db), "--port", str(port)], None, base)
    try:
        q = urllib.parse.quote
        pages = {
            "first page": f"{base}?_size=50",
            "filtered (地区 = …)": f"{base}?_size=50&{q('地区')}={q(district)}",
            "sorted (金額 desc)": f"{base}?_size=50&_sort_desc={q('金額')}",
            "one facet (地区)": f"{base}?_size=50&_facet={q('地区')}",
        }
        result = {name: timings(url, n) for name, url in pages.items()}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print("  measured datasette", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--pg", default="", help="an empty PostgreSQL database for Kaidan on PostgreSQL")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    if shutil.which("datasette", path=str(BIN)) is None:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "datasette"])
    work = Path(tempfile.mkdtemp(prefix="kaidan-grid-bench-"))
    try:
        csv_path = work / "consult.csv"
        subprocess.check_call(
            [sys.executable, str(HERE / "gen_data.py"), str(args.rows), str(csv_path), "utf-8"]
        )
        district = first_district(csv_path)
        print(f"rows: {args.rows:,}; Kaidan on SQLite", flush=True)
        env = kaidan_env(work, None)
        info = load_kaidan(csv_path, env)
        ds_db = work / "bench.db"
        build_datasette_db(work / "kaidan" / "kaidan.sqlite3", str(info["table"]), info["columns"], ds_db)  # type: ignore[arg-type]
        results = {"Kaidan (SQLite)": measure_kaidan("kaidan sqlite", env, district, args.requests)}
        results["Datasette"] = measure_datasette(ds_db, district, args.requests)
        if args.pg:
            print("Kaidan on PostgreSQL", flush=True)
            pg_env = kaidan_env(work / "pg", args.pg)
            load_kaidan(csv_path, pg_env)
            results["Kaidan (PostgreSQL)"] = measure_kaidan(
                "kaidan postgresql", pg_env, district, args.requests
            )
        print()
        print(
            f"{'page':<22}"
            + "".join(f"{name + ' p50/p99 ms':>34}" for name in results)
            + f"{'ratio p50 (SQLite/Datasette)':>32}"
        )
        for page in results["Datasette"]:
            cells = "".join(f"{f'{r[page][0]:.0f} / {r[page][1]:.0f}':>34}" for r in results.values())
            ratio = results["Kaidan (SQLite)"][page][0] / results["Datasette"][page][0]
            print(f"{page:<22}{cells}{ratio:>31.2f}x")
        print("\nDatasette with default limits may answer with a null count or an empty facet on big tables.")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
