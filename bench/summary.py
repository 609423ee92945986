"""One line per measured ratio, collected by ``bench/all.py`` into one table.

Every benchmark prints its own detailed table; when ``KAIDAN_BENCH_SUMMARY`` names a file it also appends its
headline ratios there as JSON lines, so one command can show every issue's targets side by side without
parsing the benchmarks' prose.
"""

from __future__ import annotations

import json
import os


def record(bench: str, case: str, *, measure: str, ratio: float, target: str, met: bool | None) -> None:
    """Append one ratio (``met`` is ``None`` where the target does not apply, e.g. a detail figure)."""
    path = os.environ.get("KAIDAN_BENCH_SUMMARY")
    if not path:
        return
    line = {"bench": bench, "case": case, "measure": measure, "ratio": ratio, "target": target, "met": met}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")
