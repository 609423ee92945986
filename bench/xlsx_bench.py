"""Read a 100k-row XLSX with Kaidan's reader (python-calamine) and with openpyxl read-only; print the ratio."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import django
from openpyxl import Workbook, load_workbook
from summary import record

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
django.setup()

from kaidan.ingest.readers import Source, iter_rows  # noqa: E402


def make(path: Path, rows: int) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(["id", "受付日", "区分", "地区", "件数", "金額", "概要"])
    for i in range(1, rows + 1):
        sheet.append(
            [
                i,
                f"2023-{i % 12 + 1:02d}-01",
                "相談",
                f"地区{i % 28}",
                i % 50,
                i * 7,
                "住民から相談があり対応した",
            ]
        )
    book.save(path)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.xlsx"
        make(path, rows)
        start = time.perf_counter()
        n_kaidan = sum(1 for _ in iter_rows(Source(path, "xlsx", None, "data")))
        kaidan = time.perf_counter() - start
        start = time.perf_counter()
        book = load_workbook(path, read_only=True)
        n_openpyxl = sum(1 for _ in book["data"].iter_rows(values_only=True))
        openpyxl = time.perf_counter() - start
    assert n_kaidan == n_openpyxl == rows + 1, (n_kaidan, n_openpyxl)
    print(f"rows: {rows:,}")
    print(f"kaidan (calamine): {kaidan:.2f} s   openpyxl read-only: {openpyxl:.2f} s")
    print(f"kaidan / openpyxl time: {kaidan / openpyxl:.2f}x")
    record(
        "xlsx read",
        f"{rows:,} rows",
        measure="time ÷ openpyxl read-only",
        ratio=kaidan / openpyxl,
        target="< 1",
        met=kaidan / openpyxl < 1,
    )


if __name__ == "__main__":
    main()
