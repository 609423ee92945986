"""Import a deterministic CP932 CSV with Kaidan, sqlite-utils and DuckDB; print times, peak memory, ratios.

Usage: python bench/import_bench.py ROWS [--rounds N] [--variants plain,wareki] [--no-sqlite-utils]

Each tool runs in its own fresh process; peak memory is that process's max RSS. Rounds are interleaved
(Kaidan, sqlite-utils, DuckDB, next variant, next round …) so that a change in the machine's load hits
all tools alike; the table gives medians. The ``wareki`` variant is the same file with its 受付日 column
written as 和暦 (``R5.4.1`` and ``令和5年4月1日`` on alternate rows, ``H31.4.30`` before the era change).

Kaidan runs ``kaidan import … --yes`` (analysis + import) on a fresh SQLite database each time; set
``BENCH_DATABASE_URL=postgresql://…/<database>`` to measure it on PostgreSQL instead (``kaidan demo`` is
run there once; each import gets a dataset of its own). The peers always write their own files.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from summary import record

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run a command; return (seconds, peak RSS in MB, CPU seconds user+system) of that child."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def ensure_peers(sqlite_utils: bool) -> None:
    wanted = ["duckdb", *(["sqlite-utils"] if sqlite_utils else [])]
    missing = [p for p in wanted if not _importable(p.replace("-", "_"))]
    if missing:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def wareki(iso: str, row: int) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    if (year, month) < (2019, 5):
        era, number = ("H", "平成"), year - 1988
    else:
        era, number = ("R", "令和"), year - 2018
    if row % 2:
        return f"{era[0]}{number}.{month}.{day}"
    return f"{era[1]}{'元' if number == 1 else number}年{month}月{day}日"


def make_variant(source: Path, target: Path, encoding: str) -> None:
    """The generator's file with 受付日 (column 2) in 和暦."""
    with (
        source.open(encoding=encoding, newline="") as inp,
        target.open("w", encoding=encoding, newline="") as out,
    ):
        reader, writer = csv.reader(inp), csv.writer(out)
        writer.writerow(next(reader))
        for number, row in enumerate(reader):
            row[1] = wareki(row[1], number)
            writer.writerow(row)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--variants", default="plain,wareki")
    parser.add_argument("--no-sqlite-utils", action="store_true")
    args = parser.parse_args()
    with_su = not args.no_sqlite_utils
    ensure_peers(with_su)
    variants = args.variants.split(",")
    work = Path(tempfile.mkdtemp(prefix="kaidan-bench-"))
    database = os.environ.get("BENCH_DATABASE_URL", "")
    try:
        files: dict[str, tuple[Path, Path]] = {}
        cp932, utf8 = work / "plain.cp932.csv", work / "plain.utf8.csv"
        subprocess.check_call(
            [sys.executable, str(HERE / "gen_data.py"), str(args.rows), str(cp932), "cp932"]
        )
        subprocess.check_call([sys.executable, str(HERE / "gen_data.py"), str(args.rows), str(utf8), "utf-8"])
        files["plain"] = (cp932, utf8)
        if "wareki" in variants:
            files["wareki"] = (work / "wareki.cp932.csv", work / "wareki.utf8.csv")
            make_variant(cp932, files["wareki"][0], "cp932")
            make_variant(utf8, files["wareki"][1], "utf-8")
        base_env = {**os.environ}
        base_env.pop("KAIDAN_DATABASE_URL", None)
        if database:
            base_env["KAIDAN_DATABASE_URL"] = database
            base_env["KAIDAN_DATA_DIR"] = str(work / "kaidan")
            subprocess.check_call([str(BIN / "kaidan"), "demo"], env=base_env, stdout=subprocess.DEVNULL)
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        loads = [load()]
        duck_script = (
            "import duckdb,sys; c=duckdb.connect(sys.argv[1]); "
            'c.execute("CREATE TABLE data AS SELECT * FROM read_csv(?)", [sys.argv[2]])'
        )
        for round_ in range(args.rounds):
            for variant in variants:
                sjis, utf = files[variant]
                tag = f"{variant}{round_}"
                env = dict(base_env)
                if not database:
                    env["KAIDAN_DATA_DIR"] = str(work / f"kaidan-{tag}")
                    subprocess.check_call([str(BIN / "kaidan"), "demo"], env=env, stdout=subprocess.DEVNULL)
                cmd = [str(BIN / "kaidan"), "import", str(sjis), "--dataset", f"bench_{tag}", "--org", "dx"]
                results.setdefault((variant, "kaidan"), []).append(timed([*cmd, "--yes", "-v0"], env))
                if with_su:
                    su = [str(BIN / "sqlite-utils"), "insert", str(work / f"su-{tag}.db"), "data", str(sjis)]
                    results.setdefault((variant, "sqlite-utils"), []).append(
                        timed([*su, "--csv", "--encoding", "cp932"])
                    )
                duck = [sys.executable, "-c", duck_script, str(work / f"d-{tag}.duckdb"), str(utf)]
                results.setdefault((variant, "duckdb"), []).append(timed(duck))
                if not database:
                    shutil.rmtree(work / f"kaidan-{tag}", ignore_errors=True)
                for leftover in (work / f"su-{tag}.db", work / f"d-{tag}.duckdb"):
                    leftover.unlink(missing_ok=True)
                loads.append(load())
        target = "PostgreSQL" if database.startswith("postgres") else "SQLite"
        print(
            f"rows: {args.rows:,}; Kaidan on {target}; {args.rounds} round(s), medians; CP932 for Kaidan and "
            "sqlite-utils, UTF-8 for DuckDB (no CP932 decoder)"
        )
        print(f"load average (1 5 15 min) before and after each round: {' | '.join(loads)}")
        print(f"{'variant':<8}{'tool':<14}{'seconds':>10}{'CPU s':>10}{'peak MB':>10}{'÷ DuckDB':>10}")
        for variant in variants:
            duck = statistics.median(r[0] for r in results[(variant, "duckdb")])
            for tool in ("kaidan", "sqlite-utils", "duckdb"):
                runs = results.get((variant, tool))
                if not runs:
                    continue
                sec = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[2] for r in runs)
                mem = max(r[1] for r in runs)
                print(f"{variant:<8}{tool:<14}{sec:>10.2f}{cpu:>10.2f}{mem:>10.0f}{sec / duck:>9.2f}x")
            kaidan = statistics.median(r[0] for r in results[(variant, "kaidan")])
            if with_su:
                su_time = statistics.median(r[0] for r in results[(variant, "sqlite-utils")])
                print(f"{variant}: kaidan / sqlite-utils {kaidan / su_time:.2f}x (target < 1)")
            print(f"{variant}: kaidan / duckdb {kaidan / duck:.2f}x (target <= 3, aim 2)")
            case = f"{args.rows:,} rows CP932 {variant}, {target}"
            record(
                "import",
                case,
                measure="wall ÷ DuckDB",
                ratio=kaidan / duck,
                target="≤ 3",
                met=kaidan / duck <= 3,
            )
            if with_su:
                record(
                    "import",
                    case,
                    measure="wall ÷ sqlite-utils",
                    ratio=kaidan / su_time,
                    target="< 1",
                    met=kaidan / su_time < 1,
                )
            peak = max(r[1] for r in results[(variant, "kaidan")])
            print(f"{variant}: kaidan peak memory {peak:.0f} MB (target < 500)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
