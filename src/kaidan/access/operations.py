"""Named operations: the one vocabulary used by authorization and by the audit log.

Each operation says what it needs on the object: a clearance at least the object's classification
(`read`), the right to change it (`edit`) or to manage it (`manage`: classification, sharing).
Adding an operation here documents it (docs/operations.md is checked against this list).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Need(StrEnum):
    READ = "read"
    EDIT = "edit"
    MANAGE = "manage"


@dataclass(frozen=True)
class Operation:
    name: str
    need: Need
    help: str


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "object.view", Need.READ, "See an object and the columns and rows the actor is cleared for."
        ),
        Operation("object.export", Need.READ, "Download an object's data (masked like the view)."),
        Operation("object.edit", Need.EDIT, "Change an object's content."),
        Operation("object.manage", Need.MANAGE, "Change classification, schema and sharing; release."),
        Operation("object.share", Need.MANAGE, "Create share links and grants for others."),
        Operation("object.delete", Need.MANAGE, "Delete an object."),
        Operation("object.audit", Need.MANAGE, "See who accessed an object."),
    ]
}
