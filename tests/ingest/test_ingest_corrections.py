"""Values fixed in place after a refused import (kaidan.ingest.corrections): the fixed text takes the place
of the file's cell in the batch that holds its row, whether the reader gives Arrow arrays or lists."""

from __future__ import annotations

import pyarrow as pa

from kaidan.ingest.corrections import add, by_column, correct_batch


def fixes(*items: tuple[int, str, str]) -> dict[int, dict[int, str]]:
    corrections: dict[str, dict[str, str]] = {}
    for row, source, text in items:
        add(corrections, row, source, text)
    return by_column(corrections, {"名称": 0, "電話番号": 1})


def test_a_fix_replaces_the_cell_of_its_row_in_an_arrow_column_and_nothing_else():
    cells = [pa.array(["a", "b", "c"]), pa.array(["x", "054-1", "y"])]

    put = correct_batch([10, 11, 12], cells, fixes((12, "電話番号", "054-2"), (10, "電話番号", "054-0")))

    assert put == 2
    assert cells[1].to_pylist() == ["054-0", "054-1", "054-2"] and cells[1].type == pa.string()
    assert cells[0].to_pylist() == ["a", "b", "c"]


def test_a_fix_replaces_the_cell_in_a_list_column_too():
    cells = [["a", "b"], ["x", "y"]]

    assert correct_batch([3, 5], cells, fixes((5, "名称", "B"))) == 1
    assert cells == [["a", "B"], ["x", "y"]]


def test_fixes_for_rows_of_other_batches_or_columns_no_longer_in_the_file_change_nothing():
    cells = [pa.array(["a", "b"]), pa.array(["x", "y"])]
    fixed = fixes((4, "名称", "other batch"), (1, "列がない", "gone"))

    assert 1 not in {row for rows in fixed.values() for row in rows}  # the missing column is left out
    assert correct_batch([1, 2], cells, fixed) == 0
    assert correct_batch([], [], fixed) == 0
    assert cells[0].to_pylist() == ["a", "b"]
