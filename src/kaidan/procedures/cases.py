"""The staff workflow: inbox per procedure, a case's answers, assignment, statuses, internal comments,
requests for correction, and the case history.

Access goes through kaidan.access on the procedure's dataset: whoever may read the dataset (its owner
organization's editors and up, partners granted 秘 on it) sees the cases whose rows are in their visible
relation (row scopes apply: a partner granted "地区 = 池尻" sees only those cases); whoever may edit it
processes them. Case answers are read through the relation (the one gate) and every read is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from kaidan.access.actors import Actor, account_of
from kaidan.access.services import rights
from kaidan.accounts.models import User
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset, Field
from kaidan.catalog.selectors import audit_read
from kaidan.core.errors import Forbidden, NotFound
from kaidan.store.relation import Purpose, compile_relation

from . import mail, records
from .models import CaseEvent, CaseStatus, Procedure, Submission
from .schema import FieldDef, load

TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.RECEIVED: {CaseStatus.REVIEWING, CaseStatus.COMPLETED, CaseStatus.REJECTED},
    CaseStatus.REVIEWING: {CaseStatus.COMPLETED, CaseStatus.REJECTED},
    CaseStatus.RETURNED: {CaseStatus.REVIEWING, CaseStatus.REJECTED},
    CaseStatus.COMPLETED: set(),
    CaseStatus.REJECTED: set(),
}
ORDER = [CaseStatus.REVIEWING, CaseStatus.COMPLETED, CaseStatus.REJECTED]
"""Staff moves; 差戻し (returned) is reached by a request for correction, and left by the applicant's
correction (or by staff taking the case back into review)."""


def _dataset(procedure: Procedure) -> Dataset:
    if procedure.dataset_id is None:
        raise NotFound(detail=procedure.slug)
    return Dataset.objects.get(pk=procedure.dataset_id)


def may_see_cases(procedure: Procedure, *, actor: Actor) -> bool:
    return procedure.dataset_id is not None and rights(_dataset(procedure), actor=actor).can_read


def inbox(procedure: Procedure, *, actor: Actor, status: str = "") -> list[Submission]:
    """The cases the actor may see (rows of their visible relation), newest first."""
    dataset = _dataset(procedure)
    relation = compile_relation(dataset, actor=actor)
    if not relation.allowed:
        raise NotFound(detail=procedure.slug)
    ids = [row_id for row_id, _rev, _values in relation.rows()]
    found = Submission.objects.filter(procedure=procedure, row_id__in=ids).select_related(
        "assignee", "version"
    )
    if status:
        found = found.filter(status=status)
    return list(found)


@dataclass
class CaseView:
    submission: Submission
    defs: list[FieldDef]
    answers: list[tuple[FieldDef, Any, bool]]
    """(field, value as stored in the row, visible to the reader) in the form's order."""
    events: list[CaseEvent]
    can_edit: bool
    next_statuses: list[str]


def _submission(procedure: Procedure, pk: int) -> Submission:
    submission = (
        Submission.objects.select_related("procedure", "version", "assignee")
        .filter(procedure=procedure, pk=pk)
        .first()
    )
    if submission is None or submission.row_id is None:
        raise NotFound(detail=pk)
    return submission


def get_case(procedure: Procedure, pk: int, *, actor: Actor) -> CaseView:
    """One case as the actor may see it (NotFound outside their relation). The read is audited."""
    dataset = _dataset(procedure)
    submission = _submission(procedure, pk)
    relation = compile_relation(dataset, actor=actor)
    row = relation.row(submission.row_id) if relation.allowed else None  # type: ignore[arg-type]
    if row is None:
        raise NotFound(detail=pk)
    _rev, values = row
    visible = relation.visible_ids()
    by_name: dict[str, tuple[Field, Any]] = {
        f.name: (f, v) for f, v in zip(relation.fields, values, strict=True)
    }
    defs = load(submission.version.fields)
    answers = []
    for d in defs:
        fld, value = by_name.get(d.key, (None, None))
        answers.append((d, value, fld is not None and fld.pk in visible))
    audit_read(
        dataset,
        [f for f in relation.fields if f.pk in visible],
        "case",
        {"receipt": submission.receipt, "row": submission.row_id},
        actor=actor,
    )
    edit = compile_relation(dataset, actor=actor, purpose=Purpose.EDIT)
    can_edit = edit.allowed and edit.row(submission.row_id) is not None  # type: ignore[arg-type]
    return CaseView(
        submission=submission,
        defs=defs,
        answers=answers,
        events=list(submission.events.select_related("actor")),
        can_edit=can_edit,
        next_statuses=[s for s in ORDER if s in TRANSITIONS[submission.status]] if can_edit else [],
    )


def _require_edit(procedure: Procedure, pk: int, *, actor: Actor) -> Submission:
    dataset = _dataset(procedure)
    submission = _submission(procedure, pk)
    if compile_relation(dataset, actor=actor).row(submission.row_id) is None:  # type: ignore[arg-type]
        raise NotFound(detail=pk)
    edit = compile_relation(dataset, actor=actor, purpose=Purpose.EDIT)
    if not edit.allowed or edit.row(submission.row_id) is None:  # type: ignore[arg-type]
        raise Forbidden()
    return Submission.objects.select_for_update().select_related("procedure", "version").get(pk=submission.pk)


def _event(submission: Submission, kind: str, *, actor: Actor, **fields: Any) -> CaseEvent:
    user = account_of(actor=actor)
    return CaseEvent.objects.create(
        submission=submission,
        kind=kind,
        actor=user,
        actor_label=str(user) if user is not None else str(getattr(actor, "audit_label", actor)),
        **fields,
    )


def change_status(procedure: Procedure, pk: int, status: str, note: str = "", *, actor: Actor) -> Submission:
    with transaction.atomic():
        submission = _require_edit(procedure, pk, actor=actor)
        if status not in TRANSITIONS[submission.status]:
            raise Forbidden()
        old = submission.status
        submission.status = status
        submission.save(update_fields=["status", "updated_at"])
        records.update_submission_row(
            submission,
            load(submission.version.fields),
            f"申請 {submission.receipt}: {records.STATUS_JA[CaseStatus(status)]}",
            actor=actor,
        )
        _event(submission, CaseEvent.Kind.STATUS, actor=actor, status_from=old, status_to=status, text=note)
        record("procedures.case.status", submission, actor=actor, detail={"from": old, "to": status})
        mail.on_status(submission, note)
    return submission


def request_correction(procedure: Procedure, pk: int, text: str, *, actor: Actor) -> Submission:
    """Ask the applicant to correct the application: 差戻し, with what to correct (shown to the applicant)."""
    if not text.strip():
        raise Forbidden()
    with transaction.atomic():
        submission = _require_edit(procedure, pk, actor=actor)
        if submission.status in (CaseStatus.COMPLETED, CaseStatus.REJECTED):
            raise Forbidden()
        old = submission.status
        submission.status = CaseStatus.RETURNED
        submission.correction_request = text.strip()
        submission.save(update_fields=["status", "correction_request", "updated_at"])
        records.update_submission_row(
            submission, load(submission.version.fields), f"申請 {submission.receipt}: 差戻し", actor=actor
        )
        _event(
            submission,
            CaseEvent.Kind.CORRECTION_REQUESTED,
            actor=actor,
            status_from=old,
            status_to=CaseStatus.RETURNED,
            text=submission.correction_request,
        )
        record("procedures.case.request_correction", submission, actor=actor, detail={"from": old})
        mail.on_status(submission, submission.correction_request)
    return submission


def assign(procedure: Procedure, pk: int, assignee: User | None, *, actor: Actor) -> Submission:
    with transaction.atomic():
        submission = _require_edit(procedure, pk, actor=actor)
        if assignee is not None and not rights(_dataset(procedure), actor=assignee).can_edit:
            raise Forbidden()
        submission.assignee = assignee
        submission.save(update_fields=["assignee", "updated_at"])
        name = str(assignee) if assignee is not None else ""
        _event(submission, CaseEvent.Kind.ASSIGNED, actor=actor, text=name, internal=True)
        record(
            "procedures.case.assign",
            submission,
            actor=actor,
            detail={"assignee": getattr(assignee, "username", None)},
        )
    return submission


def comment(procedure: Procedure, pk: int, text: str, *, actor: Actor) -> CaseEvent:
    """An internal comment: staff only, never shown to the applicant."""
    if not text.strip():
        raise Forbidden()
    with transaction.atomic():
        submission = _require_edit(procedure, pk, actor=actor)
        event = _event(submission, CaseEvent.Kind.COMMENT, actor=actor, text=text.strip(), internal=True)
        record("procedures.case.comment", submission, actor=actor, detail={"event": event.pk})
    return event


def assignable(procedure: Procedure, *, actor: Actor) -> list[User]:
    """Members of the owner organization who may process the cases (editors and up)."""
    dataset = _dataset(procedure)
    users = User.objects.filter(memberships__organization_id=procedure.owner_id, is_active=True).distinct()
    return [u for u in users.order_by("username") if rights(dataset, actor=u).can_edit]


def send_notice_again(procedure: Procedure, pk: int, notice_id: int, *, actor: Actor) -> None:
    """Staff send an e-mail of the case again that has not gone (its retries ran out, or are far off)."""
    with transaction.atomic():  # _require_edit locks the case row (select_for_update needs a transaction)
        submission = _require_edit(procedure, pk, actor=actor)
        notice = submission.notices.filter(pk=notice_id, sent_at=None).first()
        if notice is None:
            raise NotFound(detail=notice_id)
        mail.send_again(notice)
        record(
            "procedures.case.resend_notice",
            _dataset(procedure),
            actor=actor,
            detail={"receipt": submission.receipt, "notice": notice.pk, "attempts": notice.attempts},
        )
