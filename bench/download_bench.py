"""Time to first byte and peak memory of a big open-data download (issue 12's download benchmark).

Usage: python bench/download_bench.py [ROWS] [--formats csv,csv-sjis,json,xlsx,parquet] [--no-export]

On a fresh Kaidan (SQLite in a temporary data dir), with the shared deterministic consultation log:
  1. import ROWS rows (`kaidan import`) as 公開 and publish them (`kaidan publish`);
  2. serve them with uvicorn (the ASGI app, as `kaidan serve` does, one worker);
  3. download each format from the portal (`/dataset/bench/download?format=…`, streamed) and, for
     comparison in the same run, the staff export page (`/datasets/bench/export?format=csv`, which writes
     the whole file before the first byte).
For each download it prints the time to the first byte, the total time, the bytes and the server's peak
resident memory (VmHWM of the uvicorn process, reset before each download where the kernel allows it,
otherwise the high-water mark so far) and how far it rose above the memory held just before. Results go into docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from summary import record

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SRC = HERE.parent / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kaidan(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "python"), "-m", "kaidan.cli", *args], env=env, check=True)


def rss(pid: int) -> tuple[int, int]:
    """(current, peak) resident memory of the process in bytes."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def reset_peak(pid: int) -> bool:
    """Reset the peak RSS counter (Linux 4.0+: write 5 to clear_refs); False when not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def fetch(port: int, path: str) -> tuple[float, float, int, int]:
    """(seconds to the first body byte, total seconds, body bytes, status)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    conn.request("GET", quote(path, safe="/?=&"))
    response = conn.getresponse()
    first = response.read(1)
    ttfb = time.perf_counter() - start
    total = len(first)
    while chunk := response.read(1 << 20):
        total += len(chunk)
    elapsed = time.perf_counter() - start
    conn.close()
    return ttfb, elapsed, total, response.status


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--formats", default="csv,csv-sjis,json,xlsx,parquet")
    parser.add_argument("--no-export", action="store_true", help="skip the staff export comparison")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kaidan-download-bench-"))
    env = {
        **os.environ,
        "KAIDAN_DATA_DIR": str(work / "var"),
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "kaidan.settings",
    }
    env.pop("KAIDAN_DATABASE_URL", None)
    data = work / "log.csv"
    subprocess.run([str(BIN / "python"), str(HERE / "gen_data.py"), str(opts.rows), str(data)], check=True)
    kaidan(env, "migrate", "-v", "0")
    subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            "import django; django.setup()\n"
            "from kaidan.accounts.services import create_organization\n"
            "create_organization(None, code='soudan', name='相談窓口', kind='department')",
        ],
        env=env,
        check=True,
    )
    started = time.perf_counter()
    kaidan(
        env,
        *("import", str(data), "--dataset", "bench", "--org", "soudan", "--classification", "public"),
        *("--column-classification", "住所=public", "--yes", "-v", "0"),
    )
    print(f"import of {opts.rows:,} rows: {time.perf_counter() - started:.1f} s", flush=True)
    kaidan(env, "publish", "bench", "--reason", "benchmark data (generated)")
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "python"),
            "-m",
            "uvicorn",
            "kaidan.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(100):
            try:
                fetch(port, "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        fetch(port, "/dataset/bench/")  # warm up (imports, the first queries)
        base_rss, _peak = rss(server.pid)
        print(f"server RSS before the downloads: {base_rss / 2**20:.0f} MiB")
        print(f"{'download':<34} {'first byte':>10} {'total':>8} {'MB':>8} {'peak RSS':>9} {'+RSS':>6}")
        print("(+RSS: the peak during this download above the resident memory just before it)")
        targets = [
            (f"portal {fmt}", f"/dataset/bench/download?format={fmt}") for fmt in opts.formats.split(",")
        ]
        targets.append(
            ("portal csv, filtered (地区=池尻)", "/dataset/bench/download?format=csv&地区__exact=池尻")
        )
        if not opts.no_export:
            targets.append(("staff export csv (spooled)", "/datasets/bench/export?format=csv"))
        inexact = False
        for label, path in targets:
            before, _peak = rss(server.pid)
            exact = reset_peak(server.pid)
            inexact |= not exact
            ttfb, elapsed, size, status = fetch(port, path)
            current, peak = rss(server.pid)
            mark = "" if exact else "*"
            print(
                f"{label:<34} {ttfb * 1000:>8.0f}ms {elapsed:>7.1f}s {size / 1e6:>8.1f} "
                f"{peak / 2**20:>7.0f}{mark}Mi {(peak - before) / 2**20:>5.0f}M"
                + ("" if status == 200 else f"  (HTTP {status})"),
                flush=True,
            )
            record(
                "download",
                f"{label}, {opts.rows:,} rows",
                measure="time to first byte, ms",
                ratio=ttfb * 1000,
                target="< 1000",
                met=ttfb < 1 and status == 200,
            )
            record(
                "download",
                f"{label}, {opts.rows:,} rows",
                measure="server memory growth, MiB",
                ratio=(peak - before) / 2**20,
                target="< 200 (bounded)",
                met=(peak - before) / 2**20 < 200,
            )
        if inexact:
            print("* the peak could not be reset: high-water mark of the whole run so far")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
