"""Geocoding from the ward's own address list: Kaidan's Arrow join against a per-row Python lookup and a
DuckDB join of already-normalized keys, on the same data in one run (issue 12).

    .venv/bin/python bench/geocode_bench.py [ROWS] [--towns N] [--rounds 3]

The data: a list of N 町丁目 (池尻三丁目 → lat, lon, with kanji numerals as such lists write them) and ROWS
addresses at those 町丁目 (30 blocks of `--houses` houses each), written as clerks write them (全角 digits, 丁目・番地・号, hyphen variants, 〒, the ward's
name in front or not), with about 1% of rows without an address and 1% outside the list. Measured:

- kaidan: `kaidan.catalog.geocode.match` — forms in Python once per distinct address, then Arrow joins;
- python per row: the same normalization and the same most-specific lookup, row by row in Python (what a
  loop over rows costs);
- duckdb join: a hash join of the rows' already-normalized 町丁目 keys to the list (no normalization at all:
  the floor of any join).
Medians of `--rounds`; ratios against kaidan.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

import os  # noqa: E402

import django  # noqa: E402
import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
django.setup()

from kaidan.catalog.geocode import match  # noqa: E402
from kaidan.values.address import address_keys, normalize_address  # noqa: E402

KANJI = "一二三四五六七八九"
STRIP = ("東京都", "世田谷区")


def data(rows: int, towns: int, houses: int, seed: int = 7) -> tuple[pa.Table, pa.Table, pa.Table]:
    rng = random.Random(seed)
    names = [f"町{i:04d}" for i in range(towns // 5 + 1)]
    chome = [(n, c) for n in names for c in range(1, 6)][:towns]
    reference = pa.table(
        {
            "address": [f"{n}{KANJI[c - 1]}丁目" for n, c in chome],
            "lat": [35.6 + rng.random() / 10 for _ in chome],
            "lon": [139.6 + rng.random() / 10 for _ in chome],
        }
    )
    forms = [
        "{n}{c}丁目{b}番{h}号",
        "東京都世田谷区{n}{c}-{b}-{h}",
        "〒154-0001 {n}{fc}－{fb}－{fh}",
        "世田谷区{n}{k}丁目{b}番地の{h}",
    ]
    addresses: list[str | None] = []
    keys: list[str | None] = []
    for _ in range(rows):
        n, c = chome[rng.randrange(len(chome))]
        b, h = rng.randint(1, 30), rng.randint(1, houses)
        r = rng.random()
        if r < 0.01:
            addresses.append(None)
            keys.append(None)
            continue
        if r < 0.02:
            addresses.append(f"静岡県焼津市本町{c}-{b}-{h}")
            keys.append("x")
            continue
        wide = str.maketrans("0123456789", "０１２３４５６７８９")
        text = rng.choice(forms).format(
            n=n,
            c=c,
            b=b,
            h=h,
            k=KANJI[c - 1],
            fc=str(c).translate(wide),
            fb=str(b).translate(wide),
            fh=str(h).translate(wide),
        )
        addresses.append(text)
        keys.append(f"{n}{c}")
    rows_table = pa.table({"住所": pa.array(addresses, pa.string()), "n": pa.array(range(rows), pa.int64())})
    keyed = pa.table({"key": pa.array(keys, pa.string())})
    return rows_table, reference, keyed


def per_row(rows: pa.Table, reference: pa.Table) -> int:
    points = {
        normalize_address(a, STRIP): (y, x)
        for a, y, x in zip(*(reference.column(c).to_pylist() for c in ("address", "lat", "lon")), strict=True)
    }
    placed = 0
    for value in rows.column("住所").to_pylist():
        for key in address_keys(normalize_address(value or "", STRIP)):
            if key in points:
                placed += 1
                break
    return placed


def duckdb_join(keyed: pa.Table, reference: pa.Table) -> int:
    ref_keys = pa.table(
        {
            "key": [normalize_address(a) for a in reference.column("address").to_pylist()],
            "lat": reference.column("lat"),
            "lon": reference.column("lon"),
        }
    )
    con = duckdb.connect()
    con.register("r", keyed)
    con.register("t", ref_keys)
    (count,) = con.execute("SELECT count(*) FROM r JOIN t USING (key)").fetchone()  # type: ignore[misc]
    con.close()
    return int(count)


def timed(fn, rounds: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--towns", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--houses", type=int, default=20, help="house numbers per block (fewer: fewer distinct)"
    )
    args = parser.parse_args()
    rows, reference, keyed = data(args.rows, args.towns, args.houses)
    distinct = len(set(rows.column("住所").to_pylist()))
    print(f"{args.rows:,} addresses ({distinct:,} distinct), a list of {args.towns:,} 町丁目")
    k_time, (points, no_address) = timed(lambda: match(rows, "住所", reference, STRIP), args.rounds)  # type: ignore[misc]
    p_time, p_placed = timed(lambda: per_row(rows, reference), args.rounds)
    d_time, d_placed = timed(lambda: duckdb_join(keyed, reference), args.rounds)
    print(
        f"placed: kaidan {points.num_rows:,} (no address {no_address:,}), per row {p_placed:,}, duckdb {d_placed:,}"
    )
    print(f"{'':22}{'seconds':>10}{'vs kaidan':>12}")
    for name, seconds in (
        ("kaidan (arrow join)", k_time),
        ("python per row", p_time),
        ("duckdb join (keys given)", d_time),
    ):
        print(f"{name:22}{seconds:10.3f}{seconds / k_time:11.2f}x")


if __name__ == "__main__":
    main()
