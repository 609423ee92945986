"""CPU time of the import's column kernels on a generated file, measured apart from the rest of the import.

Usage: python bench/kernels_bench.py [ROWS]

Reads the generator's CP932 file with the importer's Arrow reader, then times, per step and for all batches:
  read      decoding (Python's CP932 codec) and parsing by pyarrow.csv
  convert   normalize and type every column (`ColumnConverter.typed`: kernels, Python once per distinct value)
  stored    the stored form of every column (`kaidan.store.batches.stored_array`, SQLite)
  texts     the canonical texts of the row fingerprint (`canonical_text`)
  hash      the row fingerprint itself (`row_hashes`: blake2b per row over the joined texts)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
    import django

    django.setup()
    from kaidan.ingest.columnar import ColumnConverter
    from kaidan.ingest.plan import analyze, iter_record_batches
    from kaidan.store.batches import canonical_text, row_hashes, stored_array

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        subprocess.check_call([sys.executable, str(HERE / "gen_data.py"), str(rows), str(path), "cp932"])
        analysis = analyze(path)
        types = [c.type for c in analysis.columns]
        converters = [ColumnConverter(t) for t in types]
        spent = dict.fromkeys(("read", "convert", "stored", "texts", "hash"), 0.0)
        clock = time.process_time
        start = clock()
        batches = list(iter_record_batches(analysis, arrays=True))  # read first: no reader thread runs below
        spent["read"] = clock() - start
        for numbers, cells in batches:
            start = clock()
            typed = [conv.typed(column)[0] for conv, column in zip(converters, cells, strict=True)]
            spent["convert"] += clock() - start
            start = clock()
            for column, field_type in zip(typed, types, strict=True):
                stored_array(column, field_type, "sqlite")
            spent["stored"] += clock() - start
            start = clock()
            texts = [canonical_text(column, t) for column, t in zip(typed, types, strict=True)]
            spent["texts"] += clock() - start
            start = clock()
            row_hashes(texts, len(numbers))
            spent["hash"] += clock() - start
    print(f"rows: {rows:,}; columns: {', '.join(f'{c.name}={c.type}' for c in analysis.columns)}")
    for step, seconds in spent.items():
        print(f"{step:<8}{seconds:>8.2f} s CPU")
    print(f"load average (1 5 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
