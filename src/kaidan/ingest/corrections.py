"""Values fixed in place after a refused import.

When an import stops at bad values, the result page lets the clerk type the right value into each cell it
lists. Nothing is uploaded again. Each fix goes into the plan (``ImportPlan.corrections``: row number as
counted in the file → column as headed in the file → text). The next run of the same plan puts that text in
place of the file's cell before any conversion, so a fixed value is typed and validated like every other
value, and a value that is still wrong is refused again at the same row. The source file stays as uploaded
(its hash is in the audit entry). The entry also records how many values were fixed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Corrections = dict[str, dict[str, str]]
"""Row number (as text: the plan is JSON) → source column → the text to read instead."""


def add(corrections: Corrections, row: int, source: str, text: str) -> None:
    corrections.setdefault(str(row), {})[source] = text


def by_column(
    corrections: Mapping[str, Mapping[str, str]], source_index: Mapping[str, int]
) -> dict[int, dict[int, str]]:
    """The fixes per column position of the file's batches: {column index: {row number: text}}; columns
    no longer in the file are left out (the plan's own check names them)."""
    out: dict[int, dict[int, str]] = {}
    for row, cells in corrections.items():
        for source, text in cells.items():
            if source in source_index:
                out.setdefault(source_index[source], {})[int(row)] = text
    return out


def correct_batch(numbers: Sequence[int], cells: list[Any], fixes: Mapping[int, Mapping[int, str]]) -> int:
    """Put the fixed texts into one batch's columns (in place in ``cells``); returns how many it put.

    ``numbers`` are the batch's row numbers in file order (ascending), so each fixed row is found by
    bisection rather than by a lookup table of the whole batch; an Arrow column is rebuilt by one
    ``replace_with_mask``, a list column gets the text at its index."""
    if not numbers:
        return 0
    first, last = numbers[0], numbers[-1]
    put = 0
    for column, rows in fixes.items():
        hits: list[tuple[int, str]] = []
        for row, text in rows.items():
            if first <= row <= last:
                index = bisect_left(numbers, row)
                if index < len(numbers) and numbers[index] == row:
                    hits.append((index, text))
        if not hits:
            continue
        hits.sort()
        values = cells[column]
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            mask = np.zeros(len(values), dtype=bool)
            mask[[index for index, _text in hits]] = True
            replacement = pa.array([text for _index, text in hits], type=values.type)
            cells[column] = pc.replace_with_mask(values, pa.array(mask), replacement)
        else:
            values = list(values)
            for index, text in hits:
                values[index] = text
            cells[column] = values
        put += len(hits)
    return put
