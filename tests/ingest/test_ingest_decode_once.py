"""A CP932 (or EUC-JP) CSV is decoded once: the analysis writes a UTF-8 copy that the import reads natively.

The copy gives exactly the cells that decoding the file itself gives, it is removed when the analysis is
no longer used, and a file whose bytes do not decode gets no copy (the row reader handles it, as before).
"""

import gc
import os
import tempfile
import time
from pathlib import Path

import pytest

from kaidan.ingest.plan import analyze, iter_record_batches
from kaidan.ingest.readers import COPY_PREFIX, Source, utf8_copy


def _write(path: Path, encoding: str, rows: int, totals: bool = True) -> None:
    with open(path, "w", encoding=encoding, newline="") as handle:
        handle.write("番号,名称,備考\r\n")
        for i in range(rows):
            handle.write(f'{i},"施設{i}, 高松市番町{i % 30}丁目","ｶﾅ①－〜{i % 7}"\r\n')
        if totals:
            handle.write("合計,,\r\n")


def _cells(analysis: object) -> list[tuple[int, list[object]]]:
    return [
        (number, [column[i] for column in columns])
        for numbers, columns in iter_record_batches(analysis)  # type: ignore[arg-type]
        for i, number in enumerate(numbers)
    ]


@pytest.mark.parametrize("totals", [True, False])
def test_the_import_reads_the_copy_the_analysis_wrote(tmp_path: Path, totals: bool) -> None:
    path = tmp_path / "data.csv"
    _write(path, "cp932", 3000, totals)
    analysis = analyze(path)
    assert analysis.arrow is not None and analysis.arrow.utf8 is not None
    copy = analysis.arrow.utf8.path
    assert copy.read_text(encoding="utf-8") == path.read_text(encoding="cp932")
    # the same rows as decoding the original again (the totals row is still left out)
    fresh = analyze(path, scan=False)
    assert fresh.arrow is not None and fresh.arrow.utf8 is None
    assert _cells(analysis) == _cells(fresh)
    assert analysis.data_rows == 3000 and analysis.total_rows == ([3002] if totals else [])
    # a file of data rows only is not sorted again by the import
    assert analysis.arrow.all_data is not totals
    del analysis
    gc.collect()
    assert not copy.exists()


def test_utf8_files_and_undecodable_files_get_no_copy(tmp_path: Path) -> None:
    utf8 = tmp_path / "utf8.csv"
    _write(utf8, "utf-8", 10)
    assert utf8_copy(Source(utf8, "csv", "utf-8")) is None
    broken = tmp_path / "broken.csv"
    broken.write_bytes("番号,名称\r\n1,".encode("cp932") + b"\x81\xff\r\n")
    assert utf8_copy(Source(broken, "csv", "cp932")) is None


def test_the_copy_of_a_killed_process_is_removed_by_the_next_analysis(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    _write(path, "cp932", 10)
    # a copy no live process holds (its process was killed), older than a minute
    folder = Path(tempfile.gettempdir())
    orphan = folder / f"{COPY_PREFIX}orphan-test.csv"
    orphan.write_text("番号\n1\n", encoding="utf-8")
    os.utime(orphan, (time.time() - 3600, time.time() - 3600))
    held = utf8_copy(Source(path, "csv", "cp932"))
    assert held is not None
    os.utime(held.path, (time.time() - 3600, time.time() - 3600))
    second = utf8_copy(Source(path, "csv", "cp932"))
    assert not orphan.exists()
    assert held.path.exists()  # still locked by this process: kept
    assert second is not None
    held.remove()
    second.remove()
    assert not held.path.exists() and not second.path.exists()
