"""Import errors that name file, sheet, row, column and value in Japanese and English."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from kaidan.core.formulas import defuse


@dataclass(frozen=True)
class RejectedValue:
    file: str
    sheet: str
    row: int
    column: str
    value: str
    reason_ja: str
    reason_en: str

    def __str__(self) -> str:
        where = f"{self.file}{f' [{self.sheet}]' if self.sheet else ''} {self.row}行目 「{self.column}」"
        return (
            f"{where} 値「{self.value}」: {self.reason_ja} / row {self.row}, column '{self.column}', "
            f"value '{self.value}': {self.reason_en}"
        )


REPORT_HEADER = ["ファイル file", "シート sheet", "行 row", "列 column", "値 value", "理由", "reason"]


def report_csv(rejected: list[RejectedValue]) -> bytes:
    """The downloadable error report (UTF-8 with BOM so Excel opens it correctly)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    for r in rejected:
        writer.writerow(
            [defuse(v) for v in (r.file, r.sheet, r.row, r.column, r.value, r.reason_ja, r.reason_en)]
        )
    return text.getvalue().encode("utf-8-sig")


class ImportRejected(Exception):
    """The import was not applied (nothing was written). `rejected` lists every bad value found."""

    def __init__(self, message_ja: str, message_en: str, rejected: list[RejectedValue] | None = None) -> None:
        super().__init__(f"{message_ja} / {message_en}")
        self.message_ja = message_ja
        self.message_en = message_en
        self.rejected = rejected or []
