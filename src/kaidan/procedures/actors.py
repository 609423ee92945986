"""The resident applying, as an actor: no account, no rights on any data, named in the audit log."""

from __future__ import annotations

from typing import Any

from kaidan.access.actors import ActorKind, DelegatedActor


class ApplicantActor(DelegatedActor):
    """A resident acting through a procedure's form or their private link. The access service gives a
    delegated actor without a target nothing; the audit log names them "applicant:<receipt>"."""

    kind = ActorKind.APPLICANT

    def __init__(self, reference: str) -> None:
        self.reference = reference
        self.target: Any = None
        self.sharer: Any = None
        self.clearance = "public"
        self.active = False

    @property
    def audit_label(self) -> str:
        return f"applicant:{self.reference}"

    def __str__(self) -> str:
        return f"applicant {self.reference}"
