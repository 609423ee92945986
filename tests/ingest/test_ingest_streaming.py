"""A large CSV is analysed in bounded memory (nothing holds all rows)."""

import tracemalloc
from pathlib import Path

from kaidan.ingest.plan import analyze, iter_records
from kaidan.values.types import FieldType

ROWS = 200_000


def test_200k_rows_with_bounded_memory(tmp_path: Path) -> None:
    # Two columns keep the run short: tracemalloc slows every allocation ~10x
    # (the other types are covered, untraced, by the test below).
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="cp932", newline="") as handle:
        handle.write("番号,名称\r\n")
        for i in range(ROWS):
            handle.write(f'{i},"施設{i}, 高松市番町一丁目{i % 30}番"\r\n')
    assert path.stat().st_size > 7_000_000
    tracemalloc.start()
    try:
        analysis = analyze(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024
    assert analysis.encoding == "cp932"
    assert analysis.data_rows == ROWS
    assert sum(1 for _ in iter_records(analysis)) == ROWS
    assert analysis.types() == {"番号": FieldType.INTEGER, "名称": FieldType.TEXT}


def test_types_of_a_generated_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("番号,金額,日付,コード,時刻,有無\n")
        for i in range(20_000):
            handle.write(
                f'{i},"{i * 10:,}",2023/4/{i % 28 + 1},{i % 1000:04d},{i % 24}:00,{"○" if i % 2 else "×"}\n'
            )
    analysis = analyze(path)
    assert analysis.data_rows == 20_000
    assert analysis.types() == {
        "番号": FieldType.INTEGER,
        "金額": FieldType.INTEGER,
        "日付": FieldType.DATE,
        "コード": FieldType.CODE,
        "時刻": FieldType.TIME,
        "有無": FieldType.BOOLEAN,
    }
