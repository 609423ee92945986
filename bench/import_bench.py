"""Import a deterministic CP932 CSV with Kaidan, sqlite-utils and DuckDB; print times, peak memory, ratios.

Usage: python bench/import_bench.py ROWS
Each tool runs in its own process; peak memory is that process's max RSS.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run a command; return (seconds, peak RSS in MB, CPU seconds user+system) of that child.

    The CPU time is the fairer figure on a shared machine: it does not count time spent waiting for
    other processes (DuckDB uses several threads, so its CPU time can exceed its wall time)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def ensure_peers() -> None:
    missing = [p for p in ("sqlite_utils", "duckdb") if shutil.which(p) is None and not _importable(p)]
    if missing:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "sqlite-utils", "duckdb"])


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    ensure_peers()
    work = Path(tempfile.mkdtemp(prefix="kaidan-bench-"))
    try:
        cp932 = work / "data.cp932.csv"
        utf8 = work / "data.utf8.csv"
        subprocess.check_call([sys.executable, str(HERE / "gen_data.py"), str(rows), str(cp932), "cp932"])
        subprocess.check_call([sys.executable, str(HERE / "gen_data.py"), str(rows), str(utf8), "utf-8"])
        env = {**os.environ, "KAIDAN_DATA_DIR": str(work / "kaidan")}
        env.pop("KAIDAN_DATABASE_URL", None)
        if os.environ.get("BENCH_DATABASE_URL"):  # e.g. a PostgreSQL database of its own
            env["KAIDAN_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        subprocess.check_call([str(BIN / "kaidan"), "demo"], env=env, stdout=subprocess.DEVNULL)
        kaidan = timed(
            [str(BIN / "kaidan"), "import", str(cp932), "--dataset", "bench", "--org", "dx", "--yes", "-v0"],
            env,
        )
        sqlite_utils = timed(
            [
                str(BIN / "sqlite-utils"),
                "insert",
                str(work / "su.db"),
                "data",
                str(cp932),
                "--csv",
                "--encoding",
                "cp932",
            ]
        )
        duck_script = (
            "import duckdb,sys; c=duckdb.connect(sys.argv[1]); "
            'c.execute("CREATE TABLE data AS SELECT * FROM read_csv(?)", [sys.argv[2]])'
        )
        duckdb = timed([sys.executable, "-c", duck_script, str(work / "d.duckdb"), str(utf8)])
        print(
            f"rows: {rows:,}  (CP932 for Kaidan and sqlite-utils; UTF-8 for DuckDB, which has no CP932 decoder)"
        )
        print(f"{'tool':<14}{'seconds':>10}{'CPU s':>10}{'peak MB':>10}")
        for name, (sec, mem, cpu) in (("kaidan", kaidan), ("sqlite-utils", sqlite_utils), ("duckdb", duckdb)):
            print(f"{name:<14}{sec:>10.2f}{cpu:>10.2f}{mem:>10.0f}")
        print(f"kaidan / sqlite-utils time: {kaidan[0] / sqlite_utils[0]:.2f}x (target < 1)")
        print(f"kaidan / duckdb time:       {kaidan[0] / duckdb[0]:.2f}x (target <= 3)")
        print(f"kaidan / sqlite-utils CPU:  {kaidan[2] / sqlite_utils[2]:.2f}x")
        print(f"kaidan / duckdb CPU:        {kaidan[2] / duckdb[2]:.2f}x")
        print(f"kaidan peak memory:         {kaidan[1]:.0f} MB (target < 500)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
