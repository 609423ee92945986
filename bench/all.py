"""Run every benchmark of the issues in one go and print one table of ratios.

    PYTHONPATH=src .venv/bin/python bench/all.py                 # 1,000,000 rows everywhere (about an hour)
    PYTHONPATH=src .venv/bin/python bench/all.py --rows 100000   # the same at a tenth of the size
    PYTHONPATH=src .venv/bin/python bench/all.py --only import,analysis
    BENCH_DATABASE_URL=postgresql://…/empty PYTHONPATH=src .venv/bin/python bench/all.py --only import

Each benchmark runs in its own process, measures Kaidan and its peers (Datasette, sqlite-utils, DuckDB,
SQLite FTS5, openpyxl) in that same run, prints its detailed table into ``bench-all.log`` and hands its
headline ratios to this script through ``bench/summary.py``. The table at the end is the one the issues'
targets are read from; a benchmark that fails is listed as failed, never left out silently.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benches(rows: int) -> dict[str, list[str]]:
    """The command line of each benchmark at ``rows`` rows (the XLSX one reads a tenth of it)."""
    return {
        "import": ["import_bench.py", str(rows), "--rounds", "2"],
        "xlsx": ["xlsx_bench.py", str(max(rows // 10, 1000))],
        "grid": ["grid_load_bench.py", str(rows), "--search", "--catalogue", "1000"],
        "download": ["download_bench.py", str(rows)],
        "search": ["search_bench.py", str(rows)],
        "analysis": ["analysis_bench.py", str(rows)],
        "chart": ["chart_bench.py", str(rows)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(benches(1)))
    parser.add_argument("--log", type=Path, default=Path("bench-all.log"))
    args = parser.parse_args()
    chosen = benches(args.rows)
    if args.only:
        unknown = set(args.only.split(",")) - set(chosen)
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        chosen = {name: cmd for name, cmd in chosen.items() if name in args.only.split(",")}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent / "src"), env.get("PYTHONPATH", "")]))
    failed: list[str] = []
    with tempfile.NamedTemporaryFile("w+", suffix=".jsonl", delete=False) as summary:
        env["KAIDAN_BENCH_SUMMARY"] = summary.name
    with args.log.open("w", encoding="utf-8") as log:
        for name, cmd in chosen.items():
            started = time.perf_counter()
            print(f"{name}: {' '.join(cmd)} …", flush=True)
            log.write(f"\n===== {name}: {' '.join(cmd)}\n")
            log.flush()
            code = subprocess.call(
                [sys.executable, str(HERE / cmd[0]), *cmd[1:]], env=env, stdout=log, stderr=log
            )
            print(
                f"  {'done' if code == 0 else f'FAILED (exit {code})'} in {time.perf_counter() - started:.0f} s"
            )
            if code:
                failed.append(name)
    lines = [json.loads(line) for line in Path(summary.name).read_text(encoding="utf-8").splitlines() if line]
    Path(summary.name).unlink()
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}; details in {args.log}\n")
    print("| benchmark | case | measure | Kaidan | target | |")
    print("|---|---|---|---|---|---|")
    for line in lines:
        mark = {True: "met", False: "**not met**", None: ""}[line["met"]]
        print(
            f"| {line['bench']} | {line['case']} | {line['measure']} | {line['ratio']:.2f} | {line['target']} | {mark} |"
        )
    for name in failed:
        print(f"| {name} | — | the benchmark failed: see {args.log} | | | **failed** |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
