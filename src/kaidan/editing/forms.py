"""Turning the master DB's fields into typed inputs, and submitted forms back into the services' text.

Record forms name their inputs by field pk (`f_<pk>`), with the text the user saw in a hidden `o_<pk>`:
only the fields the user actually changed are sent to the service, so saving after a conflict never
writes back a stale value of a column the user did not touch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from kaidan.catalog.models import Field, FieldType

from .services import Problem, text_for_input

INPUT_TYPES = {
    FieldType.INTEGER: "number",
    FieldType.DECIMAL: "number",
    FieldType.LATITUDE: "number",
    FieldType.LONGITUDE: "number",
    FieldType.DATE: "date",
    FieldType.DATETIME: "datetime-local",
    FieldType.TIME: "time",
    FieldType.PHONE: "tel",
}


@dataclass
class FieldInput:
    """One field of a record form, ready for the template."""

    field: Field
    text: str = ""
    original: str = ""
    errors: list[Problem] = dc_field(default_factory=list)
    conflict: str | None = None
    """The other person's current text when they changed this column after the user loaded the form."""

    @property
    def id(self) -> str:
        return f"f_{self.field.pk}"

    @property
    def original_name(self) -> str:
        return f"o_{self.field.pk}"

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(FieldType(self.field.type), "text")

    @property
    def step(self) -> str:
        if self.field.type == FieldType.INTEGER:
            return "1"
        if self.field.type in (FieldType.DATETIME, FieldType.TIME):
            return "1"
        return "any"

    @property
    def inputmode(self) -> str:
        return "numeric" if self.field.type in (FieldType.POSTAL_CODE, FieldType.CODE) else ""

    @property
    def is_boolean(self) -> bool:
        return bool(self.field.type == FieldType.BOOLEAN)

    @property
    def is_long_text(self) -> bool:
        return self.field.type == FieldType.TEXT and ("\n" in self.text or len(self.text) > 80)


def inputs_for(fields: Sequence[Field], values: Sequence[Any] | None) -> list[FieldInput]:
    """Inputs showing the stored values (None: an empty form for a new record)."""
    result = []
    for i, fld in enumerate(fields):
        text = text_for_input(values[i]) if values is not None else ""
        result.append(FieldInput(fld, text=text, original=text))
    return result


def submitted(fields: Sequence[Field], data: Mapping[str, Any]) -> list[FieldInput]:
    """The inputs as the user submitted them (text and the original text they started from)."""
    result = []
    for fld in fields:
        item = FieldInput(fld)
        item.text = str(data.get(item.id, ""))
        item.original = str(data.get(item.original_name, item.text))
        result.append(item)
    return result


def changes_of(inputs: Sequence[FieldInput]) -> dict[str, str]:
    """{machine name: text} for the inputs the user changed."""
    return {i.field.name: i.text for i in inputs if i.text != i.original}


def values_of(inputs: Sequence[FieldInput]) -> dict[str, str]:
    return {i.field.name: i.text for i in inputs if i.text != ""}


def attach_errors(inputs: Sequence[FieldInput], problems: Sequence[Problem]) -> list[Problem]:
    """Put each problem on its field's input; return those that belong to no shown field."""
    by_name = {i.field.name: i for i in inputs}
    general = []
    for problem in problems:
        target = by_name.get(problem.field)
        if target is None:
            general.append(problem)
        else:
            target.errors.append(problem)
    return general


def merge_after_conflict(inputs: Sequence[FieldInput], current: Mapping[str, Any]) -> None:
    """After a stale refusal: keep what the user typed, take the other person's values elsewhere.

    For columns the user did not change the input shows the current value; for columns the user
    changed it keeps the user's text, and marks a conflict when the other person changed it too.
    The original text becomes the current value, so saving again sends only the user's own changes.
    """
    for item in inputs:
        if item.field.name not in current:
            continue
        now = text_for_input(current[item.field.name])
        if item.text == item.original:
            item.text = now
        elif now != item.original:
            item.conflict = now
        item.original = now
