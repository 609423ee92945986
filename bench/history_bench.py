"""How many bytes of history each kind of change adds (issue 4's revision-storage benchmark).

Usage: python bench/history_bench.py [ROWS] [--pg postgresql://…/dbname]

On a fresh Kaidan (SQLite by default), with the shared deterministic consultation log:
  (a) import ROWS rows (key column `id`),
  (b) 1,000 single-cell edits through the editing service (each its own revision),
  (c) re-import the same file with 1% of the rows changed (upsert by key).
After each step it prints the bytes of history (the revision and change-log tables, with indexes) and of
the data table. Target for (c): history grows by O(changed rows), not O(all rows).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

MEASURE = r"""
import json, sys
import django
django.setup()
from django.db import connection
from kaidan.catalog.models import Dataset
from kaidan.store.models import RowChange, Revision

ds = Dataset.objects.get(name="bench")
history = ["store_revision", "store_rowchange"]

def size(tables):
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            return sum(
                c.execute("SELECT pg_total_relation_size(%s)", [t]).fetchone()[0] for t in tables
            )
        total = 0
        for t in tables:
            c.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = %s OR tbl_name = %s", [t, t])
            total += c.fetchone()[0]
        return total

if connection.vendor == "sqlite":
    # dbstat lists indexes under their own name; count a table's indexes with it.
    with connection.cursor() as c:
        c.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
        indexes = c.fetchall()
    def size(tables, _size=size):
        names = set(tables) | {name for name, tbl in indexes if tbl in tables}
        with connection.cursor() as c:
            marks = ",".join(["%s"] * len(names))
            c.execute(f"SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN ({marks})", list(names))
            return c.fetchone()[0]

print(json.dumps({
    "history": size(history),
    "data": size([ds.table_name]),
    "revisions": Revision.objects.filter(dataset=ds).count(),
    "changes": RowChange.objects.filter(revision__dataset=ds).count(),
}))
"""

EDITS = r"""
import sys
import django
django.setup()
from kaidan.access.services import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.editing.services import edit_record
from kaidan.store import selectors

ds = Dataset.objects.get(name="bench")
fields = ds.live_fields()
amount = next(f for f in fields if f.name == "金額")
count = int(sys.argv[1])
rows = []
for row_id, rev, values in selectors.iter_rows_with_rev(ds, fields):
    rows.append((row_id, rev))
    if len(rows) == count:
        break
for i, (row_id, rev) in enumerate(rows):
    ds.refresh_from_db()
    edit_record(SYSTEM, ds, row_id, {amount.name: str(1_000_000 + i)}, expected_rev=rev, message="bench")
"""


def kaidan_env(work: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "KAIDAN_DATA_DIR": str(work / "kaidan"), "DJANGO_SETTINGS_MODULE": "kaidan.settings"}
    env.pop("KAIDAN_DATABASE_URL", None)
    if database_url:
        env["KAIDAN_DATABASE_URL"] = database_url
    return env


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run a command quietly; return (wall seconds, CPU seconds user+system, peak RSS MB) of that child."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(env: dict[str, str]) -> dict[str, int]:
    import json

    out = subprocess.check_output([sys.executable, "-c", MEASURE], env=env, text=True)
    return dict(json.loads(out.strip().splitlines()[-1]))


def changed_copy(source: Path, target: Path, every: int = 100) -> int:
    """Copy the CSV, changing 金額 in every `every`-th row; return the number of changed rows."""
    changed = 0
    with (
        source.open(encoding="utf-8", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader, writer = csv.reader(src), csv.writer(dst)
        header = next(reader)
        writer.writerow(header)
        amount = header.index("金額")
        for n, row in enumerate(reader):
            if n % every == 0:
                row[amount] = str(int(row[amount] or 0) + 1)
                changed += 1
            writer.writerow(row)
    return changed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--pg", default="")
    parser.add_argument("--edits", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kaidan-history-bench-"))
    try:
        data = work / "consult.csv"
        subprocess.check_call([sys.executable, str(HERE / "gen_data.py"), str(args.rows), str(data), "utf-8"])
        env = kaidan_env(work, args.pg or None)
        kaidan = str(BIN / "kaidan")
        subprocess.check_call([kaidan, "demo"], env=env, stdout=subprocess.DEVNULL)
        before = {"history": 0, "data": 0, "revisions": 0, "changes": 0}
        steps = []
        wall, cpu, rss = timed(
            [kaidan, "import", str(data), "--dataset", "bench", "--org", "dx", "--key", "id", "--yes", "-v0"],
            env,
        )
        cpus = [(cpu, rss)]
        steps.append((f"(a) import of {args.rows:,} rows", wall, measure(env)))
        start = time.perf_counter()
        if args.edits:  # (--edits 0 skips the step)
            subprocess.check_call([sys.executable, "-c", EDITS, str(args.edits)], env=env)
        steps.append((f"(b) {args.edits:,} single-cell edits", time.perf_counter() - start, measure(env)))
        changed_file = work / "consult-1pct.csv"
        changed = changed_copy(data, changed_file)
        wall, cpu, rss = timed(
            [kaidan, "import", str(changed_file), "--dataset", "bench", "--mode", "upsert", "--key", "id"]
            + ["--yes", "-v0"],
            env,
        )
        cpus.append((cpu, rss))
        steps.append((f"(c) re-import, {changed:,} rows (1%) changed", wall, measure(env)))
        backend = "PostgreSQL" if args.pg else "SQLite"
        print(f"\n{backend}, {args.rows:,} rows")
        print(
            f"{'step':<42}{'seconds':>9}{'history +bytes':>16}{'+change records':>17}{'bytes/changed row':>19}"
        )
        previous = before
        for label, seconds, now in steps:
            grown = now["history"] - previous["history"]
            records = now["changes"] - previous["changes"]
            per_row = f"{grown / records:.0f}" if records else "—"
            print(f"{label:<42}{seconds:>9.1f}{grown:>16,}{records:>17,}{per_row:>19}")
            previous = now
        print(f"data table: {previous['data']:,} bytes; history total: {previous['history']:,} bytes")
        print(
            f"(a) CPU {cpus[0][0]:.1f} s, peak {cpus[0][1]:.0f} MB; (c) CPU {cpus[1][0]:.1f} s, peak {cpus[1][1]:.0f} MB"
        )
        print(f"load average (1 5 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        c_grown = steps[2][2]["history"] - steps[1][2]["history"]
        print(
            f"(c) history growth / data table size: {c_grown / max(previous['data'], 1):.4f} (1% of rows changed)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
