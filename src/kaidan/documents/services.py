"""Changing the document library: upload a document, add a version, change its classification and
metadata, delete it, open a version for download.

Every function takes the actor first, checks permission through kaidan.access and writes its audit entry
in the same transaction.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor, account_of
from kaidan.access.levels import Level
from kaidan.access.services import can, require, rights
from kaidan.accounts.models import Organization
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset
from kaidan.core.errors import Forbidden, NotFound
from kaidan.store.models import Blob
from kaidan.values.messages import Message, gettext_noop

from . import files
from .extract import extract_text
from .models import Document, DocumentVersion

logger = logging.getLogger(__name__)


def bilingual(message: Message) -> str:
    """Error text for bad input: Japanese and English together, whatever the UI language."""
    return message.bilingual()


def classification_errors(
    *,
    classification: str,
    restriction_reason: str,
    undecided: bool,
    planned_release: datetime.date | None,
    old_planned_release: datetime.date | None = None,
) -> dict[str, str]:
    """What is wrong with a classification (field -> bilingual message); empty when it is fine.

    - 秘 (restricted) needs a recorded reason;
    - a planned release date only belongs to undecided (未決定) information;
    - a planned release date that is being set must not be in the past.
    """
    errors: dict[str, str] = {}
    if classification not in Level.values:
        errors["classification"] = bilingual(
            Message(
                gettext_noop(
                    "There is no classification “%(classification)s”: choose public, internal, limited or restricted."
                ),
                classification=classification,
            ),
        )
    if classification == Level.RESTRICTED and not restriction_reason:
        errors["restriction_reason"] = bilingual(
            Message(gettext_noop("Restricted (秘) information needs a recorded reason."))
        )
    if planned_release is not None and not undecided:
        errors["planned_release"] = bilingual(
            Message(
                gettext_noop("A planned release date (%(value)s) only applies to undecided documents."),
                value=planned_release.isoformat(),
            ),
        )
    elif (
        planned_release is not None
        and planned_release != old_planned_release
        and planned_release < timezone.localdate()
    ):
        errors["planned_release"] = bilingual(
            Message(
                gettext_noop(
                    "The planned release date (%(value)s) is in the past: choose today or a later date."
                ),
                value=planned_release.isoformat(),
            ),
        )
    return errors


@dataclass
class Download:
    """An opened version: the caller streams `file` and closes it."""

    version: DocumentVersion
    file: Any
    filename: str
    content_type: str


def _user(*, actor: Actor) -> Any:
    return account_of(actor=actor)


def can_upload_to(owner: Organization, *, actor: Actor) -> bool:
    """Editors (and above) of `owner`, and superusers, may create documents it owns."""
    probe = Document(owner=owner, classification=Level.RESTRICTED)
    return rights(probe, actor=actor).can_edit


def _new_version(
    document: Document, upload: Any, number: int, comment: str, *, actor: Actor
) -> DocumentVersion:
    checked = files.check_upload(upload)
    extracted = extract_text(checked.kind, upload)
    storage_name = files.store(upload, checked)
    return DocumentVersion.objects.create(
        document=document,
        number=number,
        storage_name=storage_name,
        sha256=checked.sha256,
        size=checked.size,
        original_filename=checked.filename,
        content_type=checked.content_type,
        extracted_text=extracted.text,
        extraction_note=extracted.note[:500],
        comment=comment[:500],
        uploaded_by=_user(actor=actor),
    )


def _version_detail(version: DocumentVersion) -> dict[str, Any]:
    return {
        "version": version.number,
        "filename": version.original_filename,
        "content_type": version.content_type,
        "size": version.size,
        "sha256": version.sha256,
    }


@transaction.atomic
def upload_document(
    *,
    actor: Actor,
    owner: Organization,
    title: str,
    file: Any,
    classification: str,
    restriction_reason: str = "",
    dataset: Dataset | None = None,
    record_id: int | None = None,
    description: str = "",
    undecided: bool = False,
    planned_release: datetime.date | None = None,
) -> Document:
    """Create a document with its first version (optionally undecided, 未決定, until a planned date)."""
    if not can_upload_to(owner, actor=actor):
        raise Forbidden(gettext_lazy("You must be an editor of the owner organization to upload documents."))
    if record_id is not None and dataset is None:
        raise ValidationError({"record_id": _("A record can only be given together with its dataset.")})
    if dataset is not None and not can("object.view", dataset, actor=actor):
        raise ValidationError({"dataset": _("Choose a dataset you can see.")})
    errors = classification_errors(
        classification=classification,
        restriction_reason=restriction_reason,
        undecided=undecided,
        planned_release=planned_release,
    )
    if errors:
        raise ValidationError(errors)
    document = Document(
        owner=owner,
        title=title.strip(),
        description=description,
        classification=classification,
        restriction_reason=restriction_reason if classification == Level.RESTRICTED else "",
        dataset=dataset,
        record_id=record_id,
        undecided=undecided,
        planned_release=planned_release if undecided else None,
        created_by=_user(actor=actor),
        current_version=1,
    )
    document.full_clean()
    document.save()
    version = _new_version(document, file, 1, "", actor=actor)
    record(
        "documents.document.upload",
        document,
        actor=actor,
        detail={
            **_version_detail(version),
            "classification": document.classification,
            "owner": owner.code,
            "dataset": dataset.name if dataset is not None else None,
            "record_id": record_id,
            "undecided": document.undecided,
            "planned_release": document.planned_release,
        },
    )
    return document


@transaction.atomic
def add_version(*, actor: Actor, document: Document, file: Any, comment: str = "") -> DocumentVersion:
    """Upload a new version; the earlier versions stay available."""
    if not can("object.edit", document, actor=actor):
        raise Forbidden(gettext_lazy("You may not change this document."))
    locked = Document.objects.select_for_update().filter(pk=document.pk).first()
    if locked is None:
        raise NotFound(detail="document")
    number = locked.current_version + 1
    version = _new_version(locked, file, number, comment.strip(), actor=actor)
    locked.current_version = number
    locked.save(update_fields=["current_version", "updated_at"])
    document.current_version = number
    record(
        "documents.document.add_version",
        locked,
        actor=actor,
        detail={**_version_detail(version), "comment": comment},
    )
    return version


@transaction.atomic
def open_version_for_download(*, actor: Actor, document: Document, number: int | None = None) -> Download:
    """Open a version (default: the current one) for download; every download is audited."""
    require("object.export", document, actor=actor)
    if document.deleted_at is not None:
        raise NotFound(detail="document")
    wanted = number if number is not None else document.current_version
    version = DocumentVersion.objects.filter(document=document, number=wanted).first()
    if version is None:
        raise NotFound(detail="version")
    try:
        handle = files.open_stored(version.storage_name)
    except (FileNotFoundError, OSError) as exc:
        raise NotFound(detail="file") from exc
    record(
        "documents.document.download",
        document,
        actor=actor,
        detail={**_version_detail(version), "classification": document.classification},
    )
    return Download(version, handle, version.original_filename, version.content_type)


def record_restricted_view(document: Document, *, actor: Actor) -> None:
    """Reading a 秘 document's page (which shows its text) is audited, like reads of 秘 data."""
    if document.classification == Level.RESTRICTED:
        record(
            "documents.document.read_restricted",
            document,
            actor=actor,
            detail={"version": document.current_version},
        )


METADATA_FIELDS = ("title", "description")
CLASSIFICATION_FIELDS = ("classification", "restriction_reason", "undecided", "planned_release")


@transaction.atomic
def update_document(
    *,
    actor: Actor,
    document: Document,
    title: str,
    description: str,
    classification: str,
    restriction_reason: str = "",
    undecided: bool = False,
    planned_release: datetime.date | None = None,
) -> Document:
    """Change a document's title, description and classification (managers of the owner organization).

    Audited as `documents.document.reclassify` when the classification, the reason, the undecided flag
    or the planned release date change (with the old and new values of every changed field), otherwise
    as `documents.document.update`. Nothing changed: nothing is written.
    """
    require("object.manage", document, actor=actor)
    locked = Document.objects.select_for_update().filter(pk=document.pk).first()
    if locked is None:
        raise NotFound(detail="document")
    title = title.strip()
    if not title:
        raise ValidationError({"title": bilingual(Message(gettext_noop("Enter a title.")))})
    errors = classification_errors(
        classification=classification,
        restriction_reason=restriction_reason,
        undecided=undecided,
        planned_release=planned_release,
        old_planned_release=locked.planned_release,
    )
    if errors:
        raise ValidationError(errors)
    new = {
        "title": title,
        "description": description,
        "classification": classification,
        "restriction_reason": restriction_reason if classification == Level.RESTRICTED else "",
        "undecided": bool(undecided),
        "planned_release": planned_release if undecided else None,
    }
    changed = [name for name, value in new.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    old = {name: getattr(locked, name) for name in changed}
    for name in changed:
        setattr(locked, name, new[name])
    locked.full_clean()
    locked.save(update_fields=[*changed, "updated_at"])
    action = (
        "documents.document.reclassify"
        if any(name in CLASSIFICATION_FIELDS for name in changed)
        else "documents.document.update"
    )
    record(action, locked, actor=actor, detail={"old": old, "new": {name: new[name] for name in changed}})
    for name in changed:
        setattr(document, name, new[name])
    return locked


def _unreferenced(sha256s: set[str]) -> set[str]:
    """The hashes that no live document version and no import source refers to any more."""
    if not sha256s:
        return set()
    live = set(
        DocumentVersion.objects.filter(sha256__in=sha256s, document__deleted_at__isnull=True).values_list(
            "sha256", flat=True
        )
    )
    imported = set(Blob.objects.filter(sha256__in=sha256s).values_list("sha256", flat=True))
    return sha256s - live - imported


def remove_unreferenced_files(sha256s: set[str]) -> list[str]:
    """Delete the stored files of these hashes unless something still refers to them; return the names.

    Runs after the deleting transaction has committed (a rollback must not lose files), and checks the
    references again at that moment.
    """
    removed = []
    for sha in sorted(_unreferenced(set(sha256s))):
        name = files.storage_name_for(sha)
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
                removed.append(name)
        except OSError:  # pragma: no cover - a storage outage leaves an orphan, which is harmless
            logger.exception("could not remove the stored document file %s", name)
    return removed


@transaction.atomic
def delete_document(*, actor: Actor, document: Document) -> Document:
    """Delete a document (managers of the owner organization): a soft delete.

    The row stays with `deleted_at` set, so the audit trail keeps naming it; every page answers 404
    from now on. The stored files are removed after the commit unless another document's version or an
    import source has the same content (SHA-256).
    """
    require("object.delete", document, actor=actor)
    locked = Document.objects.select_for_update().filter(pk=document.pk).first()
    if locked is None:
        raise NotFound(detail="document")
    versions = list(locked.versions.order_by("number"))
    locked.deleted_at = timezone.now()
    locked.deleted_by = _user(actor=actor)
    locked.save(update_fields=["deleted_at", "deleted_by"])
    hashes = {v.sha256 for v in versions}
    to_remove = _unreferenced(hashes)
    record(
        "documents.document.delete",
        locked,
        actor=actor,
        detail={
            "title": locked.title,
            "classification": locked.classification,
            "owner": locked.owner.code,
            "versions": [_version_detail(v) for v in versions],
            "files_removed": sorted(to_remove),
            "files_kept": sorted(hashes - to_remove),
        },
    )
    transaction.on_commit(lambda: remove_unreferenced_files(hashes))
    document.deleted_at = locked.deleted_at
    return locked
