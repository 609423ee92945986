"""Errors raised while reading source files.

Municipal staff read these messages, so every error carries a gettext Message (shown in Japanese and
English) plus the location (file, row, column, value) of the problem.
"""

from __future__ import annotations

from pathlib import Path

from kaidan.values.messages import Message


class ReadError(Exception):
    """A source file (or part of it) could not be read.

    ``row`` is the 1-based line/row number as a spreadsheet user counts it,
    ``column`` a 1-based column number or a column name.
    """

    def __init__(
        self,
        message: Message,
        path: str | Path | None,
        row: int | None = None,
        column: int | str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message.msgid)
        self.message = message
        self.path = str(path) if path is not None else None
        self.row = row
        self.column = column
        self.value = value

    def __str__(self) -> str:
        where = f" [{self.path}" if self.path else " ["
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        where += "]"
        return f"{self.message.bilingual()}{where if where != ' []' else ''}"

    @property
    def message_ja(self) -> str:
        return self.message.ja

    @property
    def message_en(self) -> str:
        return self.message.en


class Issue:
    """A problem found while analysing a file that the user should know about.

    Not an exception: the file may still be importable, but perhaps not as
    the user expects (a packed coordinate format, values beyond the header…).
    """

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: Message) -> None:
        self.code = code
        self.message = message

    @property
    def message_ja(self) -> str:
        return self.message.ja

    @property
    def message_en(self) -> str:
        return self.message.en

    def __repr__(self) -> str:
        return f"Issue({self.code!r}, {self.message.msgid!r})"

    def __str__(self) -> str:
        return self.message.bilingual()
