"""Import errors that name file, sheet, row, column and value in Japanese and English."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from kaidan.core.formulas import defuse
from kaidan.values.messages import Message, gettext_noop


@dataclass(frozen=True)
class RejectedValue:
    file: str
    sheet: str
    row: int
    column: str
    value: str
    reason: Message

    @property
    def reason_ja(self) -> str:
        return self.reason.ja

    @property
    def reason_en(self) -> str:
        return self.reason.en

    def __str__(self) -> str:
        return Message(
            gettext_noop("%(file)s%(sheet)s row %(row)s, column '%(column)s', value '%(value)s': %(reason)s"),
            file=self.file,
            sheet=f" [{self.sheet}]" if self.sheet else "",
            row=self.row,
            column=self.column,
            value=self.value,
            reason=self.reason,
        ).bilingual()


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

    def __init__(self, message: Message, rejected: list[RejectedValue] | None = None) -> None:
        super().__init__(message.msgid)
        self.message = message
        self.rejected = rejected or []

    def __str__(self) -> str:
        return self.message.bilingual()

    @property
    def message_ja(self) -> str:
        return self.message.ja

    @property
    def message_en(self) -> str:
        return self.message.en
