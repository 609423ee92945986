"""The residents' side: drafts saved and resumed by a private link, attachments checked by content,
submission (with a receipt number, a row in the master DB and the attachments in the document library),
the status link, look-up by receipt number and e-mail, and answering a request for correction.

Submitting is one transaction: the submission, its dataset row (a revision), its documents, the case
history and the audit entry are all written, or none is. A failure leaves the draft as it was (the view
says so and offers to submit again); submitting the same draft twice gives the first submission back.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kaidan.access.services import SYSTEM
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset
from kaidan.documents import files as document_files
from kaidan.documents.services import upload_document
from kaidan.values.messages import Message, gettext_noop

from . import mail, records, tokens
from .actors import ApplicantActor
from .models import Attachment, CaseEvent, CaseStatus, Channel, Draft, Procedure, Submission
from .schema import FieldDef, Kind, load

DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024
RESIDENT_KINDS = {"pdf", "png", "jpeg", "gif", "webp"}
"""What residents may attach: PDF and images (checked by content, not by name)."""


class AlreadySubmitted(Exception):
    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        super().__init__(submission.receipt)


def max_upload() -> int:
    return int(getattr(settings, "PROCEDURES_MAX_UPLOAD_SIZE", DEFAULT_MAX_UPLOAD))


# ------------------------------------------------------------------------------------------ drafts


def save_draft(procedure: Procedure, draft: Draft | None, raw: Mapping[str, Any]) -> Draft:
    """Keep what the resident typed so far (valid or not): nothing typed is ever lost."""
    if draft is None:
        assert procedure.current_version is not None
        draft = Draft(procedure=procedure, version=procedure.current_version, nonce=tokens.new_nonce())
    draft.answers = dict(raw)
    draft.save()
    return draft


def resume_token(draft: Draft) -> str:
    return tokens.make("draft", draft.pk, draft.nonce)


def find_draft(token: str) -> Draft | None:
    pk = tokens.split(token)
    draft = Draft.objects.select_related("procedure", "version").filter(pk=pk).first() if pk else None
    if draft is None or not tokens.check("draft", token, draft.pk, draft.nonce):
        return None
    return draft


def check_file(upload: Any) -> document_files.CheckedFile:
    """Size and type by content (an .exe renamed .pdf is refused); ValidationError with a bilingual text."""
    limit = max_upload()
    size = int(getattr(upload, "size", 0) or 0)
    if size > limit:
        human = f"{limit // (1024 * 1024)} MB"
        raise ValidationError(
            str(Message(gettext_noop("The file is too large: the limit is %(limit)s."), limit=human))
        )
    try:
        checked = document_files.check_upload(upload)
    except ValidationError as exc:
        messages = exc.message_dict.get("file", exc.messages) if hasattr(exc, "error_dict") else exc.messages
        raise ValidationError(messages) from None
    if checked.kind not in RESIDENT_KINDS:
        raise ValidationError(
            str(Message(gettext_noop("You can attach PDF files and images (PNG, JPEG, GIF, WebP).")))
        )
    return checked


def hold_file(draft: Draft, key: str, upload: Any) -> Attachment:
    """Keep an attachment of a draft (checked, content-addressed) until the application is submitted."""
    checked = check_file(upload)
    name = document_files.store(upload, checked)
    draft.files.filter(field_key=key).update(draft=None)
    return Attachment.objects.create(
        draft=draft,
        field_key=key,
        storage_name=name,
        sha256=checked.sha256,
        size=checked.size,
        filename=checked.filename,
        content_type=checked.content_type,
    )


def held_files(draft: Draft | None) -> dict[str, Attachment]:
    if draft is None:
        return {}
    return {a.field_key: a for a in draft.files.order_by("pk")}


# ------------------------------------------------------------------------------------------ submit


def _receipt() -> str:
    for _attempt in range(20):
        receipt = f"{timezone.localdate():%Y%m%d}-{secrets.randbelow(1_000_000):06d}"
        if not Submission.objects.filter(receipt=receipt).exists():
            return receipt
    raise RuntimeError("no free receipt number")  # pragma: no cover


def _file_answer(attachment: Attachment) -> dict[str, Any]:
    return {"filename": attachment.filename, "size": attachment.size, "content_type": attachment.content_type}


def _store_documents(
    submission: Submission, defs: list[FieldDef], attachments: Mapping[str, Attachment]
) -> None:
    """Put the attachments into the document library, classified like the dataset, linked to the row."""
    dataset = Dataset.objects.get(pk=records.dataset_of(submission))
    labels = {d.key: d.label for d in defs}
    for key, attachment in attachments.items():
        with document_files.open_stored(attachment.storage_name) as handle:
            document = upload_document(
                actor=SYSTEM,
                owner=dataset.owner,
                title=f"{submission.receipt} {labels.get(key, key)}：{attachment.filename}"[:300],
                file=File(handle, name=attachment.filename),
                classification=dataset.classification,
                restriction_reason=dataset.restriction_reason,
                dataset=dataset,
                record_id=submission.row_id,
                description=f"申請 {submission.receipt} の添付",
            )
        attachment.document = document
        attachment.submission = submission
        attachment.save(update_fields=["document", "submission"])
        submission.answers[key] = {**_file_answer(attachment), "document": document.pk}


def submit(
    draft: Draft,
    answers: Mapping[str, Any],
    *,
    email: str,
    channel: str = Channel.ONLINE,
    actor: Any = None,
) -> tuple[Submission, str]:
    """Submit a draft's checked answers. Returns the submission and its private status token.

    `actor` is the applicant (default) or the clerk submitting on their behalf at the counter."""
    with transaction.atomic():
        locked = Draft.objects.select_for_update().select_related("procedure", "version").get(pk=draft.pk)
        if locked.submission_id is not None:
            raise AlreadySubmitted(Submission.objects.get(pk=locked.submission_id))
        procedure, version = locked.procedure, locked.version
        defs = load(version.fields)
        attachments = {
            key: a
            for key, a in held_files(locked).items()
            if any(d.key == key and d.kind is Kind.FILE for d in defs)
        }
        submission = Submission.objects.create(
            procedure=procedure,
            version=version,
            receipt=_receipt(),
            email=email,
            answers={**answers, **{k: _file_answer(a) for k, a in attachments.items()}},
            channel=channel,
            nonce=tokens.new_nonce(),
        )
        who = actor if actor is not None else ApplicantActor(submission.receipt)
        submission.row_id = records.write_submission(submission, defs, actor=who)
        _store_documents(submission, defs, attachments)
        submission.save(update_fields=["row_id", "answers"])
        CaseEvent.objects.create(
            submission=submission,
            kind=CaseEvent.Kind.SUBMITTED,
            status_to=CaseStatus.RECEIVED,
            actor_label=str(getattr(who, "audit_label", who)),
        )
        record(
            "procedures.submission.create",
            submission,
            actor=who,
            detail={
                "procedure": procedure.slug,
                "version": version.number,
                "row": submission.row_id,
                "channel": channel,
                "files": sorted(attachments),
            },
        )
        locked.submission = submission
        locked.save(update_fields=["submission", "updated_at"])
        mail.on_receipt(submission)
    return submission, tokens.make("status", submission.pk, submission.nonce)


# ------------------------------------------------------------------------------------------ status


def find_by_token(token: str) -> Submission | None:
    pk = tokens.split(token)
    submission = (
        Submission.objects.select_related("procedure", "version").filter(pk=pk).first() if pk else None
    )
    if submission is None or not tokens.check("status", token, submission.pk, submission.nonce):
        return None
    return submission


def find_by_receipt(receipt: str, email: str) -> Submission | None:
    """The submission with this receipt number whose e-mail is `email` (the caller rate-limits)."""
    submission = Submission.objects.select_related("procedure").filter(receipt=receipt.strip()).first()
    if submission is None or not submission.email:
        return None
    if submission.email.strip().casefold() != email.strip().casefold():
        return None
    return submission


def status_token(submission: Submission) -> str:
    return tokens.make("status", submission.pk, submission.nonce)


def public_events(submission: Submission) -> list[CaseEvent]:
    return list(submission.events.filter(internal=False))


def correct(submission: Submission, answers: Mapping[str, Any], uploads: Mapping[str, Any]) -> Submission:
    """The applicant answers a request for correction on their status page: new answers, the case goes
    back to review. The earlier answers stay in the case history and in the dataset's history."""
    with transaction.atomic():
        locked = (
            Submission.objects.select_for_update()
            .select_related("procedure", "version")
            .get(pk=submission.pk)
        )
        if locked.status != CaseStatus.RETURNED:
            raise ValidationError(str(Message(gettext_noop("This application cannot be corrected now."))))
        defs = load(locked.version.fields)
        actor = ApplicantActor(locked.receipt)
        previous = dict(locked.answers)
        new = dict(answers)
        for d in defs:
            if d.kind is Kind.FILE and d.key not in uploads:
                new[d.key] = previous.get(d.key)
        locked.answers = new
        attachments = {}
        for key, upload in uploads.items():
            checked = check_file(upload)
            attachments[key] = Attachment.objects.create(
                submission=locked,
                field_key=key,
                storage_name=document_files.store(upload, checked),
                sha256=checked.sha256,
                size=checked.size,
                filename=checked.filename,
                content_type=checked.content_type,
            )
        _store_documents(locked, defs, attachments)
        changed = sorted(k for k in set(previous) | set(new) if previous.get(k) != new.get(k))
        old_status = locked.status
        locked.status = CaseStatus.REVIEWING
        locked.correction_request = ""
        locked.save()
        records.update_submission_row(locked, defs, f"申請 {locked.receipt} を申請者が訂正", actor=actor)
        CaseEvent.objects.create(
            submission=locked,
            kind=CaseEvent.Kind.CORRECTED,
            status_from=old_status,
            status_to=locked.status,
            actor_label=actor.audit_label,
            detail={"changed": changed, "previous": {k: previous.get(k) for k in changed}},
        )
        record("procedures.submission.correct", locked, actor=actor, detail={"changed": changed})
        mail.on_status(locked)
    return locked


# ------------------------------------------------------------------------------------------ retention

DEFAULT_DRAFT_RETENTION_DAYS = 30


def draft_retention_days() -> int:
    """How long a draft nobody touched is kept (`PROCEDURES_DRAFT_RETENTION_DAYS`; 0 keeps them forever)."""
    return int(getattr(settings, "PROCEDURES_DRAFT_RETENTION_DAYS", DEFAULT_DRAFT_RETENTION_DAYS))


def delete_abandoned_drafts() -> int:
    """Delete the drafts (residents' and the counter's) untouched for the retention period, with the files
    held for them that no application took; return how many drafts. Run by the periodic runner.

    A draft that was sent goes too (its answers live on in the submission, its files in the library). A
    stored file is removed only when no other attachment and no document version holds the same content."""
    days = draft_retention_days()
    if days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    old = Draft.objects.filter(updated_at__lt=cutoff)
    files = Attachment.objects.filter(submission=None).filter(
        Q(draft__in=old) | Q(draft=None, created_at__lt=cutoff)
    )
    with transaction.atomic():
        doomed = list(files.values_list("pk", "storage_name"))
        Attachment.objects.filter(pk__in=[pk for pk, _name in doomed]).delete()
        _total, by_model = Draft.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
        deleted = by_model.get(Draft._meta.label, 0)
        if doomed or deleted:
            record(
                "procedures.draft.delete_abandoned",
                None,
                actor=SYSTEM,
                detail={"drafts": deleted, "files": len(doomed), "older_than_days": days},
            )
        names = {name for _pk, name in doomed}
        transaction.on_commit(lambda: _discard_files(names))
    return deleted


def _discard_files(names: set[str]) -> None:
    held = set(Attachment.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))
    for name in sorted(names - held):
        document_files.delete_unless_held(name)
